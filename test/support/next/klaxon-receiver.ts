import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyKlaxonSignature } from '../../../core/shared/signature';
import { closeServer, register } from '../teardown';

export interface ReceivedReport {
  path: string;
  body: Record<string, unknown> & { kind: string };
  raw: string;
  /** Whether Klaxon's own verifier (core/shared/signature.ts) accepts the signature under `secret`. */
  verified: boolean;
}

/**
 * Klaxon's `POST /v1/alerts/nextjs` as far as the package sees it: records each forward and
 * checks its signature with Klaxon's verifier. `status` sets the answer (a Klaxon that refuses).
 */
export class KlaxonReceiver {
  readonly received: ReceivedReport[] = [];
  status = 202;
  private server?: Server;

  constructor(readonly secret = 'whsec_next_test') {}

  get url(): string {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  /** The reports of one kind, bodies only. */
  of(kind: string): Array<Record<string, unknown>> {
    return this.received.filter((r) => r.body.kind === kind).map((r) => r.body);
  }

  async start(): Promise<void> {
    this.server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const raw = Buffer.concat(chunks);
      let verified = true;
      try {
        verifyKlaxonSignature(this.secret, raw, req.headers['klaxon-signature'] as string | undefined, Math.floor(Date.now() / 1000));
      } catch {
        verified = false;
      }
      this.received.push({ path: req.url!, body: JSON.parse(raw.toString('utf8')), raw: raw.toString('utf8'), verified });
      res.writeHead(this.status, { 'content-type': 'application/json' });
      res.end(this.status < 300 ? '{"accepted":true}' : '{"error":"refused"}');
    });
    await new Promise<void>((ok) => this.server!.listen(0, '127.0.0.1', ok));
    register(() => this.stop());
  }

  async stop(): Promise<void> {
    await closeServer(this.server);
  }
}

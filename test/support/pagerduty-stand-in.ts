import { Agent, createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { generate } from 'selfsigned';
import { closeServer, register } from './teardown';

export interface PagerDutyEvent {
  routing_key: string;
  event_action: 'trigger' | 'acknowledge' | 'resolve';
  dedup_key?: string;
  payload?: Record<string, unknown>;
  links?: unknown[];
}

/**
 * A local PagerDuty Events API v2 (`POST /v2/enqueue`) over HTTPS with a self-signed
 * certificate, answering as PagerDuty does: 202 `{status, message, dedup_key}`, 400 for an
 * invalid event (an unknown routing key included), and whatever failures a test queues.
 */
export class PagerDutyStandIn {
  readonly events: PagerDutyEvent[] = [];
  /** Routing keys PagerDuty knows; events for others are refused with 400. */
  readonly routingKeys = new Set<string>();
  /** Answers for the next requests, first first: an HTTP status, or 'hang' (never answers). */
  readonly failures: Array<number | 'hang'> = [];
  private server?: Server;
  /** Trusts the stand-in's certificate: pass to the activities as their TLS agent. */
  agent?: Agent;
  /** The certificate (PEM), for a child process to trust through NODE_EXTRA_CA_CERTS. */
  certificate?: string;

  get host(): string {
    return `127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  async start(): Promise<void> {
    const pems = await generate([{ name: 'commonName', value: '127.0.0.1' }], {
      keySize: 2048,
      algorithm: 'sha256',
      extensions: [{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }],
    });
    this.agent = new Agent({ ca: pems.cert });
    this.certificate = pems.cert;
    this.server = createServer({ key: pems.private, cert: pems.cert }, async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const reply = (status: number, body: Record<string, unknown>) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (req.method !== 'POST' || req.url !== '/v2/enqueue') return reply(404, { status: 'not found' });
      const failure = this.failures.shift();
      if (failure === 'hang') return;
      if (failure !== undefined) return reply(failure, { status: 'error', message: failure === 429 ? 'rate limited' : 'unavailable' });
      let event: PagerDutyEvent;
      try {
        event = JSON.parse(Buffer.concat(chunks).toString('utf8')) as PagerDutyEvent;
      } catch {
        return reply(400, { status: 'invalid event', message: 'Event object is invalid', errors: ['body is not JSON'] });
      }
      if (!this.routingKeys.has(event.routing_key)) return reply(400, { status: 'invalid event', message: 'Event object is invalid', errors: ["'routing_key' is invalid"] });
      if (!['trigger', 'acknowledge', 'resolve'].includes(event.event_action)) return reply(400, { status: 'invalid event', message: 'Event object is invalid', errors: ["'event_action' is invalid"] });
      if (event.event_action !== 'trigger' && !event.dedup_key) return reply(400, { status: 'invalid event', message: 'Event object is invalid', errors: ["'dedup_key' is required"] });
      this.events.push(event);
      reply(202, { status: 'success', message: 'Event processed', dedup_key: event.dedup_key });
    });
    await new Promise<void>((ok) => this.server!.listen(0, '127.0.0.1', ok));
    register(() => this.stop());
  }

  async stop(): Promise<void> {
    await closeServer(this.server);
  }
}

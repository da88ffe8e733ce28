import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyKlaxonSignature } from '../../core/shared/signature';
import { closeServer, register } from './teardown';

interface ContainmentCall {
  operation: 'apply' | 'undo' | 'status';
  tenant: string;
  incidentId: string;
  actionId: string;
  action: { kind: string };
}

/**
 * A customer's admin API speaking Klaxon's containment webhook contract: verifies
 * Klaxon-Signature, remembers each Idempotency-Key and answers a repeat with the first answer
 * without acting again, keeps which actions are in force per tenant. Tests queue failures
 * (an HTTP status, or "hang") and read how many times each action really took effect.
 */
export class AdminApiStandIn {
  /** Action keys (`<incident>/<action>`) in force, per tenant. */
  readonly active = new Map<string, Set<string>>();
  /** How many times an operation really took effect, by `<incident>/<action>/<operation>`. */
  readonly effects = new Map<string, number>();
  readonly failures: Array<number | 'hang'> = [];
  /** Operations that take effect and then never answer, next first: a crash after the customer acted. */
  readonly actThenHang: Array<'apply' | 'undo'> = [];
  /** Idempotency keys of every apply and undo received, repeats included. */
  readonly received: string[] = [];
  private readonly answered = new Map<string, { status: number; body: unknown }>();
  private server?: Server;

  constructor(readonly secret: string) {}

  get url(): string {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}/klaxon/containment`;
  }

  async start(): Promise<void> {
    this.server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const raw = Buffer.concat(chunks);
      const reply = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      const failure = this.failures.shift();
      if (failure === 'hang') return;
      if (failure !== undefined) return reply(failure, { error: 'injected failure' });
      try {
        verifyKlaxonSignature(this.secret, raw, req.headers['klaxon-signature'] as string | undefined, Math.floor(Date.now() / 1000));
      } catch (err) {
        return reply(401, { error: (err as Error).message });
      }
      const key = req.headers['idempotency-key'] as string | undefined;
      if (!key) return reply(400, { error: 'Idempotency-Key is required' });
      const call = JSON.parse(raw.toString('utf8')) as ContainmentCall;
      const actionKey = `${call.incidentId}/${call.actionId}`;
      const tenant = (this.active.get(call.tenant) ?? this.active.set(call.tenant, new Set()).get(call.tenant))!;
      if (call.operation === 'status') return reply(200, { active: tenant.has(actionKey), tenant: call.tenant });
      this.received.push(key);
      const earlier = this.answered.get(key);
      if (earlier) return reply(earlier.status, earlier.body);
      if (call.operation === 'apply') tenant.add(actionKey);
      else if (call.operation === 'undo') tenant.delete(actionKey);
      else return reply(400, { error: `unknown operation ${call.operation}` });
      this.effects.set(`${actionKey}/${call.operation}`, (this.effects.get(`${actionKey}/${call.operation}`) ?? 0) + 1);
      const answer = { status: 200, body: { done: call.operation, action: call.action.kind } };
      this.answered.set(key, answer);
      if (this.actThenHang[0] === call.operation) {
        this.actThenHang.shift();
        return;
      }
      reply(answer.status, answer.body);
    });
    await new Promise<void>((ok) => this.server!.listen(0, '127.0.0.1', ok));
    register(() => this.stop());
  }

  async stop(): Promise<void> {
    await closeServer(this.server);
  }
}

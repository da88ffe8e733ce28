import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeServer, register } from '../teardown';

/**
 * Edge Config's read API as the middleware uses it (`GET /<ecfg_id>/items`, `Authorization:
 * Bearer <token>`, answering `{ "<key>": <value>, … }`), for the package's unit tests. Tests set
 * `items` directly and queue failures (a status, "hang", "not-json"). The full stand-in
 * (test/support/edge-config-stand-in.ts, which Klaxon's adapter writes to) now has a read API too
 * but no queued or malformed reads; folding this one into it is left for later.
 */
export class ContainmentStore {
  items: Record<string, unknown> = {};
  readonly failures: Array<number | 'hang' | 'not-json'> = [];
  /** Every read, in order: the middleware's cache shows in how few there are. */
  reads = 0;
  private server?: Server;

  constructor(
    readonly id = 'ecfg_test',
    readonly token = 'ecfg-read-token',
  ) {}

  get origin(): string {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  /** The app's connection string, EDGE_CONFIG. */
  get connectionString(): string {
    return `${this.origin}/${this.id}?token=${this.token}`;
  }

  /** An item in force, as Klaxon's edge-config adapter writes it. */
  hold(key: string, spec: Record<string, unknown>, holder = 'incident-1:action-1'): void {
    this.items[key] = { holders: { [holder]: { incidentId: 'incident-1', actionId: 'action-1', spec, since: new Date().toISOString() } } };
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      this.reads += 1;
      const failure = this.failures.shift();
      if (failure === 'hang') return;
      const reply = (status: number, body: string) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(body);
      };
      if (failure === 'not-json') return reply(200, '<html>gateway</html>');
      if (failure !== undefined) return reply(failure, '{"error":{"code":"injected"}}');
      if (req.headers.authorization !== `Bearer ${this.token}`) return reply(403, '{"error":{"code":"forbidden"}}');
      if (req.method !== 'GET' || req.url !== `/${this.id}/items`) return reply(404, '{"error":{"code":"not_found"}}');
      reply(200, JSON.stringify(this.items));
    });
    await new Promise<void>((ok) => this.server!.listen(0, '127.0.0.1', ok));
    register(() => this.stop());
  }

  async stop(): Promise<void> {
    await closeServer(this.server);
  }
}

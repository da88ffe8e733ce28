import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeServer, register } from './teardown';

/** A request as the stand-in received it. */
export interface EdgeConfigRequest {
  method: string;
  path: string;
  teamId?: string;
  body?: unknown;
}

/**
 * A local Vercel REST API for Edge Config, answering as Vercel documents it
 * (https://vercel.com/docs/rest-api/edge-config): `GET /v1/edge-config/{id}/item/{key}` → the
 * item `{ key, value, edgeConfigId, createdAt, updatedAt }` or 404; `PATCH
 * /v1/edge-config/{id}/items` with `{ items: [{ operation: create|update|upsert|delete, key,
 * value }] }` → `{ status: "ok" }`, applied all or nothing; Bearer token, 403 otherwise; keys
 * must match ^[\w-]+$. Tests queue failures (an HTTP status, or "hang").
 */
export class EdgeConfigStandIn {
  /** Items by Edge Config id, then key. */
  readonly stores = new Map<string, Map<string, { value: unknown; createdAt: number; updatedAt: number }>>();
  readonly requests: EdgeConfigRequest[] = [];
  readonly failures: Array<number | 'hang'> = [];
  /** Writes touching these keys are answered with this status (a control plane refusing one kind of change). */
  readonly failingKeys = new Map<string, number>();
  private server?: Server;

  constructor(readonly token: string) {}

  get url(): string {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  /** Creates an empty Edge Config, as the dashboard would. */
  create(id: string): void {
    this.stores.set(id, new Map());
  }

  /** The value of an item, as a middleware would read it. */
  value(id: string, key: string): unknown {
    return this.stores.get(id)?.get(key)?.value;
  }

  async start(): Promise<void> {
    this.server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const url = new URL(req.url!, 'http://x');
      const reply = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      const error = (status: number, code: string, message: string) => reply(status, { error: { code, message } });
      let body: unknown;
      try {
        body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : undefined;
      } catch {
        return error(400, 'bad_request', 'Invalid JSON');
      }
      this.requests.push({ method: req.method!, path: url.pathname, teamId: url.searchParams.get('teamId') ?? undefined, body });
      const failure = this.failures.shift();
      if (failure === 'hang') return;
      if (failure !== undefined) return error(failure, failure === 429 ? 'rate_limited' : 'internal_server_error', 'injected failure');
      if (req.headers.authorization !== `Bearer ${this.token}`) return error(403, 'forbidden', 'Not authorized');
      const m = /^\/v1\/edge-config\/([^/]+)\/(item\/([^/]+)|items)$/.exec(url.pathname);
      const store = m && this.stores.get(m[1]);
      if (!m || !store) return error(404, 'not_found', 'Edge Config not found');
      if (req.method === 'GET' && m[3]) {
        const key = decodeURIComponent(m[3]);
        const item = store.get(key);
        if (!item) return error(404, 'not_found', 'Item not found');
        return reply(200, { key, value: item.value, edgeConfigId: m[1], createdAt: item.createdAt, updatedAt: item.updatedAt });
      }
      if (req.method !== 'PATCH' || m[2] !== 'items') return error(405, 'method_not_allowed', 'Method not allowed');
      const items = (body as { items?: Array<{ operation?: string; key?: string; value?: unknown }> })?.items;
      if (!Array.isArray(items)) return error(400, 'bad_request', 'Invalid request: missing required property `items`');
      const refused = items.find((i) => this.failingKeys.has(String(i.key)));
      if (refused) return error(this.failingKeys.get(String(refused.key))!, 'internal_server_error', 'injected failure');
      const next = new Map(store);
      const now = Date.now();
      for (const item of items) {
        if (typeof item.key !== 'string' || !/^[\w-]+$/.test(item.key) || item.key.length > 256) return error(400, 'bad_request', `Invalid key "${item.key}"`);
        const existing = next.get(item.key);
        switch (item.operation) {
          case 'create':
            if (existing) return error(409, 'conflict', `Item "${item.key}" already exists`);
            next.set(item.key, { value: item.value, createdAt: now, updatedAt: now });
            break;
          case 'update':
            if (!existing) return error(404, 'not_found', `Item "${item.key}" not found`);
            next.set(item.key, { ...existing, value: item.value, updatedAt: now });
            break;
          case 'upsert':
            next.set(item.key, { value: item.value, createdAt: existing?.createdAt ?? now, updatedAt: now });
            break;
          case 'delete':
            if (!existing) return error(404, 'not_found', `Item "${item.key}" not found`);
            next.delete(item.key);
            break;
          default:
            return error(400, 'bad_request', `Invalid operation "${item.operation}"`);
        }
      }
      this.stores.set(m[1], next);
      reply(200, { status: 'ok' });
    });
    await new Promise<void>((ok) => this.server!.listen(0, '127.0.0.1', ok));
    register(() => this.stop());
  }

  async stop(): Promise<void> {
    await closeServer(this.server);
  }
}

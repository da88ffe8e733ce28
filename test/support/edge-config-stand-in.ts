import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
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
 * A local Edge Config, answering as Vercel documents its two APIs
 * (https://vercel.com/docs/edge-config/using-edge-config).
 *
 * The management API (Vercel REST API, what Klaxon's adapter writes through,
 * https://vercel.com/docs/rest-api/edge-config): `GET /v1/edge-config/{id}/item/{key}` → the
 * item `{ key, value, edgeConfigId, createdAt, updatedAt }` or 404; `PATCH
 * /v1/edge-config/{id}/items` with `{ items: [{ operation: create|update|upsert|delete, key,
 * value }] }` → `{ status: "ok" }`, applied all or nothing; Bearer token, 403 otherwise; keys
 * must match ^[\w-]+$. Tests queue failures (an HTTP status, or "hang").
 *
 * The read endpoint (edge-config.vercel.com, what an app's middleware reads, with the Edge
 * Config's own read access token): `GET /{id}/items` → every item as one object `{ key: value }`;
 * `GET /{id}/item/{key}` → the value, or 404 (with `x-edge-config-digest` when the Edge Config
 * exists, as @vercel/edge-config tells a missing item from a missing Edge Config); the token as
 * `Authorization: Bearer` or `?token=`, 401 otherwise. Reads have their own log and their own
 * failure switch, so a test can make the store unreadable for an app while Klaxon's writes go on.
 */
export class EdgeConfigStandIn {
  /** Items by Edge Config id, then key. */
  readonly stores = new Map<string, Map<string, { value: unknown; createdAt: number; updatedAt: number }>>();
  /** Requests to the management API. */
  readonly requests: EdgeConfigRequest[] = [];
  readonly failures: Array<number | 'hang'> = [];
  /** Writes touching these keys are answered with this status (a control plane refusing one kind of change). */
  readonly failingKeys = new Map<string, number>();
  /** Requests to the read endpoint (paths only: the token in a query is never kept). */
  readonly reads: EdgeConfigRequest[] = [];
  /** While set, every read is answered with this status, or never ("hang"): an Edge Config the app cannot read. */
  readFailure: number | 'hang' | undefined;
  private server?: Server;

  constructor(
    readonly token: string,
    /** The Edge Config's read access token (apps hold this one, never the management token). */
    readonly readToken = `${token}-read`,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  /** The connection string an app is given (`EDGE_CONFIG`), pointing at this stand-in. */
  connectionString(id: string): string {
    return `${this.url}/${id}?token=${encodeURIComponent(this.readToken)}`;
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
      if (!url.pathname.startsWith('/v1/')) return this.read(req, url, res);
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

  /** The read endpoint (see the class's comment). */
  private read(req: IncomingMessage, url: URL, res: ServerResponse): void {
    this.reads.push({ method: req.method!, path: url.pathname });
    const store = /^\/([^/]+)\//.exec(url.pathname)?.[1];
    const reply = (status: number, body: unknown, digest = false) => {
      res.writeHead(status, { 'content-type': 'application/json', ...(digest ? this.versionHeaders(store!) : {}) });
      res.end(JSON.stringify(body));
    };
    const error = (status: number, code: string, message: string, digest = false) => reply(status, { error: { code, message } }, digest);
    if (this.readFailure === 'hang') return;
    if (this.readFailure !== undefined) return error(this.readFailure, 'internal_server_error', 'injected failure');
    const token = req.headers.authorization?.replace(/^Bearer /, '') ?? url.searchParams.get('token');
    if (token !== this.readToken) return error(401, 'unauthorized', 'Unauthorized');
    if (req.method !== 'GET') return error(405, 'method_not_allowed', 'Method not allowed');
    const m = /^\/([^/]+)\/(?:items|item\/([^/]+))$/.exec(url.pathname);
    const items = m && this.stores.get(m[1]);
    if (!m || !items) return error(404, 'edge_config_not_found', 'Could not find the edge config');
    if (m[2] === undefined) return reply(200, Object.fromEntries([...items].map(([key, item]) => [key, item.value])), true);
    let key: string;
    try {
      key = decodeURIComponent(m[2]);
    } catch {
      return error(400, 'bad_request', 'Invalid key');
    }
    const item = items.get(key);
    if (!item) return error(404, 'edge_config_item_not_found', 'Could not find the edge config item', true);
    reply(200, item.value, true);
  }

  /** The version of a store's items the read endpoint names: a digest of them, and when they last changed (ms). */
  private versionHeaders(id: string): Record<string, string> {
    const items = [...(this.stores.get(id) ?? [])];
    return {
      'x-edge-config-digest': createHash('sha256').update(JSON.stringify(items)).digest('hex').slice(0, 16),
      'x-edge-config-updated-at': String(Math.max(0, ...items.map(([, item]) => item.updatedAt))),
    };
  }

  async stop(): Promise<void> {
    await closeServer(this.server);
  }
}

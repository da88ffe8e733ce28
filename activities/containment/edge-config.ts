import type { AdapterConfig } from '../../core/containment/containment-config';
import { containmentKey } from '../../core/containment/containment-key';
import { PermanentAdapterError, type AdapterReading, type AdapterRequest, type ContainmentAdapter } from './adapter';

type EdgeConfigSettings = Extract<AdapterConfig, { adapter: 'edge-config' }>;

/** The item a middleware reads: who holds the containment in place, and what each asks for. */
interface HeldItem {
  holders: Record<string, { incidentId: string; actionId: string; spec: unknown; since: string }>;
}

/**
 * Vercel Edge Config through the Vercel REST API (https://vercel.com/docs/edge-config/vercel-api):
 * `GET /v1/edge-config/{id}/item/{key}` reads an item (404 when absent), `PATCH
 * /v1/edge-config/{id}/items` upserts or deletes items in a batch; Bearer token, optional
 * teamId. An item per tenant and kind lists the actions holding it, so two incidents of one
 * tenant do not undo each other; Edge Config has no compare-and-set, so the read-modify-write
 * is per action and repeating it is harmless.
 */
export class EdgeConfigAdapter implements ContainmentAdapter {
  constructor(private readonly settings: EdgeConfigSettings) {}

  private url(path: string): string {
    const u = new URL(`/v1/edge-config/${this.settings.edgeConfigId}${path}`, this.settings.apiUrl);
    if (this.settings.teamId) u.searchParams.set('teamId', this.settings.teamId);
    return u.toString();
  }

  private async call(method: string, path: string, body?: unknown): Promise<Response> {
    const res = await fetch(this.url(path), {
      method,
      headers: { authorization: `Bearer ${this.settings.token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(10_000),
    });
    if (res.ok || res.status === 404) return res;
    const text = (await res.text()).slice(0, 300);
    const message = `Vercel Edge Config ${method} answered ${res.status}: ${text}`;
    // 401/403: the token; 400: the request itself. 429 and 5xx are worth retrying.
    if (res.status >= 400 && res.status < 500 && res.status !== 429) throw new PermanentAdapterError(message);
    throw new Error(message);
  }

  private async item(key: string): Promise<HeldItem | undefined> {
    const res = await this.call('GET', `/item/${encodeURIComponent(key)}`);
    if (res.status === 404) return undefined;
    const item = (await res.json()) as { value?: HeldItem };
    return item.value ?? undefined;
  }

  private async write(key: string, value: HeldItem | undefined): Promise<void> {
    const op = value ? { operation: 'upsert', key, value } : { operation: 'delete', key };
    await this.call('PATCH', '/items', { items: [op] });
  }

  async apply(req: AdapterRequest): Promise<void> {
    const key = containmentKey(req.tenant, req.spec.kind);
    const held = (await this.item(key)) ?? { holders: {} };
    if (held.holders[req.idempotencyKey]) return;
    held.holders[req.idempotencyKey] = { incidentId: req.incidentId, actionId: req.actionId, spec: req.spec, since: new Date().toISOString() };
    await this.write(key, held);
  }

  async undo(req: AdapterRequest): Promise<void> {
    const key = containmentKey(req.tenant, req.spec.kind);
    const held = await this.item(key);
    if (!held?.holders[req.idempotencyKey]) return;
    delete held.holders[req.idempotencyKey];
    // The last holder gone, the item goes: the middleware sees no containment at all.
    await this.write(key, Object.keys(held.holders).length ? held : undefined);
  }

  async read(req: AdapterRequest): Promise<AdapterReading> {
    const key = containmentKey(req.tenant, req.spec.kind);
    const held = await this.item(key);
    return { active: Boolean(held?.holders[req.idempotencyKey]), observed: { edgeConfigId: this.settings.edgeConfigId, key, holders: Object.keys(held?.holders ?? {}) } };
  }
}

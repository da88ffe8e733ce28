// Edge-safe: the middleware bundles this module; Web APIs only (fetch, AbortController, URL).
import { containmentKey } from '../../../core/containment/containment-key';
import { readBoundedText } from './bounded-body';

/** How an isolated tenant is treated, strictest last (core/containment/containment.ts ContainmentSpec.mode). */
export type IsolationMode = 'read-only' | 'maintenance' | 'blocked';
const STRICTNESS: IsolationMode[] = ['read-only', 'maintenance', 'blocked'];

/** What is in force: the isolate-tenant and throttle-provisioning keys with at least one holder. */
export interface ContainmentSnapshot {
  isolated: Map<string, IsolationMode>;
  throttled: Set<string>;
}

/** Where the state is read: one GET answering `{ "<key>": <value>, … }`. */
export interface StateSource {
  url: string;
  token?: string;
}

/**
 * The largest answer read. Edge Config stores at most 512 KB on any plan; a store (or a URL
 * answering in its place) that sends more is treated as unreadable, not read into memory.
 */
export const MAX_STATE_BYTES = 1024 * 1024;
/** A read slower than this counts as unreadable: the request waiting on it would be slow too. */
export const STATE_TIMEOUT_MS = 1500;

/**
 * The items URL of an Edge Config connection string,
 * `https://edge-config.vercel.com/<ecfg_id>?token=<token>` → `GET …/<ecfg_id>/items` with
 * `Authorization: Bearer <token>` (the token leaves the URL, so it reaches no access log).
 */
export function edgeConfigSource(connectionString: string): StateSource {
  let url: URL;
  try {
    url = new URL(connectionString);
  } catch {
    throw new Error('EDGE_CONFIG is not a URL: expected https://edge-config.vercel.com/<ecfg_id>?token=<token>');
  }
  const id = url.pathname.split('/').filter(Boolean)[0];
  const token = url.searchParams.get('token') ?? undefined;
  if (!id || !token) throw new Error('EDGE_CONFIG needs an Edge Config id and a token: https://edge-config.vercel.com/<ecfg_id>?token=<token>');
  return { url: `${url.origin}/${encodeURIComponent(id)}/items`, token };
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Holders of an item as Klaxon's adapter writes it (activities/containment/edge-config.ts): `{ holders: { <key>: { spec, … } } }`. */
function holders(value: unknown): unknown[] {
  if (!isRecord(value) || !isRecord(value.holders)) return [];
  return Object.values(value.holders);
}

/** The strictest mode its holders ask for; a holder without a (known) mode blocks, as Klaxon defines. */
function strictestMode(held: unknown[]): IsolationMode {
  let strictest = 0;
  for (const holder of held) {
    const mode = isRecord(holder) && isRecord(holder.spec) ? holder.spec.mode : undefined;
    const rank = STRICTNESS.indexOf(mode as IsolationMode);
    strictest = Math.max(strictest, rank === -1 ? STRICTNESS.length - 1 : rank);
  }
  return STRICTNESS[strictest];
}

/** Keeps only Klaxon's items that are in force; everything else in the store is the app's. */
export function parseSnapshot(items: unknown): ContainmentSnapshot {
  if (!isRecord(items)) throw new Error('the containment store did not answer a JSON object of items');
  const snapshot: ContainmentSnapshot = { isolated: new Map(), throttled: new Set() };
  for (const [key, value] of Object.entries(items)) {
    if (!key.startsWith('klaxon_')) continue;
    const held = holders(value);
    if (held.length === 0) continue;
    if (key.endsWith('_isolate-tenant')) snapshot.isolated.set(key, strictestMode(held));
    else if (key.endsWith('_throttle-provisioning')) snapshot.throttled.add(key);
  }
  return snapshot;
}

/** One read of the whole store; throws with a reason that names no secret. */
export async function readSnapshot(source: StateSource): Promise<ContainmentSnapshot> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), STATE_TIMEOUT_MS);
  try {
    const res = await fetch(source.url, {
      headers: { accept: 'application/json', ...(source.token ? { authorization: `Bearer ${source.token}` } : {}) },
      signal: controller.signal,
    });
    if (!res.ok) {
      await res.body?.cancel().catch(() => undefined);
      throw new Error(`the containment store answered HTTP ${res.status}`);
    }
    const text = await readBoundedText(res, MAX_STATE_BYTES);
    let items: unknown;
    try {
      items = JSON.parse(text);
    } catch {
      throw new Error('the containment store answered something that is not JSON');
    }
    return parseSnapshot(items);
  } catch (err) {
    if (controller.signal.aborted) throw new Error(`the containment store did not answer within ${STATE_TIMEOUT_MS} ms`);
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

/** The state for one tenant's request, as the middleware acts on it. */
export interface TenantContainment {
  isolation?: IsolationMode;
  provisioningThrottled: boolean;
}

export function containmentFor(snapshot: ContainmentSnapshot, tenant: string | undefined): TenantContainment {
  const globalThrottle = snapshot.throttled.has(containmentKey('*', 'throttle-provisioning'));
  if (tenant === undefined) return { provisioningThrottled: globalThrottle };
  return {
    isolation: snapshot.isolated.get(containmentKey(tenant, 'isolate-tenant')),
    provisioningThrottled: globalThrottle || snapshot.throttled.has(containmentKey(tenant, 'throttle-provisioning')),
  };
}

export type CachedRead = { ok: true; snapshot: ContainmentSnapshot } | { ok: false; reason: string };

/**
 * The store read at most once per `cacheSeconds`, however many requests arrive: concurrent
 * requests share one read in flight, and a failed read is remembered for the same time, so a
 * store that is down is neither hammered nor waited on by every request. Its failure is
 * logged once per failed read (so once per interval, not per request), its recovery once.
 * The cache holds one snapshot, bounded by MAX_STATE_BYTES: nothing grows with traffic.
 */
export class ContainmentCache {
  private current?: { read: CachedRead; at: number };
  private inFlight?: Promise<CachedRead>;

  constructor(
    private readonly source: StateSource,
    private readonly cacheMs: number,
    private readonly log: (level: 'warn' | 'info', message: string) => void,
  ) {}

  async get(): Promise<CachedRead> {
    if (this.current && Date.now() - this.current.at < this.cacheMs) return this.current.read;
    this.inFlight ??= this.refresh().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async refresh(): Promise<CachedRead> {
    const wasFailing = this.current?.read.ok === false;
    let read: CachedRead;
    try {
      read = { ok: true, snapshot: await readSnapshot(this.source) };
      if (wasFailing) this.log('info', 'containment store readable again');
    } catch (err) {
      read = { ok: false, reason: (err as Error).message };
      this.log('warn', `containment store unreadable: ${read.reason}`);
    }
    this.current = { read, at: Date.now() };
    return read;
  }
}

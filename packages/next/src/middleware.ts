// Edge-safe: Web APIs only (no `node:` module, no Buffer; process.env read for defaults only).
// test/unit/next/middleware-bundle.test.ts checks the built bundle.
import { NextResponse, type NextRequest } from 'next/server';
import { isValidTenant } from '../../../core/alerts/tenant-name';
import { ContainmentCache, containmentFor, edgeConfigSource, type StateSource } from './containment-state';
import { REQUEST_ID_HEADER, TENANT_HEADER } from './request-context';

export { REQUEST_ID_HEADER, TENANT_HEADER } from './request-context';

export interface KlaxonMiddlewareOptions {
  /** The tenant a request belongs to (subdomain, path, session…); undefined for none. */
  resolveTenant(request: NextRequest): string | undefined | Promise<string | undefined>;
  containment?: {
    /** An Edge Config connection string; default process.env.EDGE_CONFIG. */
    edgeConfig?: string;
    /** For apps not on Vercel: any URL answering Edge Config's items object (`{ "<key>": <value> }`). */
    url?: string;
    /** Sent as `Authorization: Bearer <token>` to `url`. */
    token?: string;
    /** How long one read of the store is used (default 5 seconds). */
    cacheSeconds?: number;
    /** When the store cannot be read: 'open' serves as if nothing were contained (default), 'closed' answers 503. */
    onUnavailable?: 'open' | 'closed';
  };
  /** Path prefixes that create users, invitations or roles: throttled while throttle-provisioning is in force. */
  provisioningRoutes?: string[];
  /**
   * The app's own middleware, run for requests Klaxon lets through; undefined → continue to the
   * app with the request id and tenant headers. A response it returns is used as it is (plus
   * `x-request-id`): to forward the headers, it passes `context` on itself.
   */
  next?: (request: NextRequest, context: { requestId: string; tenant?: string }) => Response | undefined | Promise<Response | undefined>;
}

/** Told to the client when it may try again: containment is re-read every few seconds, undone when the incident ends. */
const RETRY_AFTER_SECONDS = '60';
/** Methods that change nothing: a read-only isolation serves them. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The same page for isolation and an unreadable store: it says nothing about why. */
const UNAVAILABLE_PAGE =
  '<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="robots" content="noindex"><title>Temporarily unavailable</title></head>' +
  '<body><h1>Temporarily unavailable</h1><p>This service is not available right now. Please try again later.</p></body></html>';

function refusal(status: 503 | 429, requestId: string): Response {
  const headers = { 'retry-after': RETRY_AFTER_SECONDS, 'cache-control': 'no-store', [REQUEST_ID_HEADER]: requestId };
  return status === 503
    ? new Response(UNAVAILABLE_PAGE, { status, headers: { ...headers, 'content-type': 'text/html; charset=utf-8' } })
    : new Response('Too many requests. Please try again later.\n', { status, headers: { ...headers, 'content-type': 'text/plain; charset=utf-8' } });
}

function stateSource(containment: KlaxonMiddlewareOptions['containment']): StateSource | undefined {
  if (containment?.url) return { url: new URL(containment.url).toString(), token: containment.token };
  const connection = containment?.edgeConfig ?? process.env.EDGE_CONFIG;
  if (connection) return edgeConfigSource(connection);
  if (containment) throw new Error('klaxonMiddleware: containment needs edgeConfig (or EDGE_CONFIG) or url');
  return undefined;
}

const log = (level: 'warn' | 'info', message: string) => console[level](`@klaxon/next middleware: ${message}`);

async function tenantOf(options: KlaxonMiddlewareOptions, request: NextRequest): Promise<string | undefined> {
  try {
    const tenant = await options.resolveTenant(request);
    // A name outside Klaxon's tenant alphabet cannot be contained, nor be trusted in a header.
    return isValidTenant(tenant) ? tenant : undefined;
  } catch (err) {
    log('warn', `resolveTenant threw (${(err as Error)?.name ?? 'error'}); the request is served without a tenant`);
    return undefined;
  }
}

/**
 * Klaxon's middleware (Next.js `proxy.ts`/`middleware.ts`): a fresh request id and the tenant
 * on every request, and the containment Klaxon applies honoured before the app sees the
 * request. An isolated tenant gets a neutral 503 page (read-only isolation still serves GET,
 * HEAD and OPTIONS); a provisioning route under throttle-provisioning gets 429 for requests
 * that change something (the middleware cannot count across instances, so it refuses all
 * while the throttle holds rather than pretend to apply the hourly limits). The store cannot
 * be read → `onUnavailable`: 'open' serves everything, 'closed' answers 503 to the requests
 * containment could concern (a tenant's, or a provisioning route's) and serves the rest.
 */
export function klaxonMiddleware(options: KlaxonMiddlewareOptions): (request: NextRequest) => Promise<Response> {
  const source = stateSource(options.containment);
  const cacheSeconds = options.containment?.cacheSeconds ?? 5;
  if (!(cacheSeconds >= 0 && cacheSeconds <= 3600)) throw new Error('klaxonMiddleware: containment.cacheSeconds must be between 0 and 3600');
  const failClosed = options.containment?.onUnavailable === 'closed';
  const cache = source && new ContainmentCache(source, cacheSeconds * 1000, log);
  if (!source) log('warn', 'neither EDGE_CONFIG nor containment.url is set: request ids and tenants only, no containment is enforced');
  const provisioning = options.provisioningRoutes ?? [];

  return async (request) => {
    const requestId = crypto.randomUUID();
    const tenant = await tenantOf(options, request);
    const isProvisioning = !SAFE_METHODS.has(request.method) && isUnder(provisioning, request.nextUrl.pathname);

    if (cache && (tenant !== undefined || isProvisioning)) {
      const read = await cache.get();
      if (!read.ok) {
        if (failClosed) return refusal(503, requestId);
      } else {
        const state = containmentFor(read.snapshot, tenant);
        if (state.isolation && (state.isolation !== 'read-only' || !SAFE_METHODS.has(request.method))) return refusal(503, requestId);
        if (state.provisioningThrottled && isProvisioning) return refusal(429, requestId);
      }
    }

    // The app reads who and which request from these headers: never from the client's own.
    const headers = new Headers(request.headers);
    headers.set(REQUEST_ID_HEADER, requestId);
    if (tenant !== undefined) headers.set(TENANT_HEADER, tenant);
    else headers.delete(TENANT_HEADER);
    const response = (await options.next?.(request, { requestId, tenant })) ?? NextResponse.next({ request: { headers } });
    return withRequestId(response, requestId);
  };
}

/**
 * Whether a path is one of the prefixes or below one, read as the app's router reads it:
 * `/api/%69nvitations` and `/api//invitations` must not slip past `/api/invitations`. A path
 * that does not decode is taken as under every prefix (refused, not let through).
 */
function isUnder(prefixes: string[], rawPath: string): boolean {
  if (prefixes.length === 0) return false;
  let path: string;
  try {
    path = decodeURIComponent(rawPath);
  } catch {
    return true;
  }
  path = path.split('/').filter((part, i) => i === 0 || part !== '').join('/');
  return prefixes.some((prefix) => path === prefix || path.startsWith(prefix.endsWith('/') ? prefix : `${prefix}/`));
}

/** Some responses have immutable headers (Response.redirect): those are copied, not changed. */
function withRequestId(response: Response, requestId: string): Response {
  try {
    response.headers.set(REQUEST_ID_HEADER, requestId);
    return response;
  } catch {
    const copy = new Response(response.body, response);
    copy.headers.set(REQUEST_ID_HEADER, requestId);
    return copy;
  }
}

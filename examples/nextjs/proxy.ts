import { klaxonMiddleware } from '@klaxon/next/middleware';
import { tenantOf } from './lib/tenant';

/**
 * Next 16's proxy (the file Next 15 called middleware.ts; it runs on the Node runtime, and
 * klaxonMiddleware uses Web APIs only, so the same code runs as Edge middleware too). On every
 * request: a request id and the tenant, forwarded to the app as `x-request-id` and
 * `x-klaxon-tenant`; the containment Klaxon applies, read from Edge Config (EDGE_CONFIG),
 * cached for 5 seconds: an isolated tenant gets a neutral 503 page. Edge Config unreadable:
 * the default, fail open (serve), logged once per interval.
 */
export default klaxonMiddleware({ resolveTenant: tenantOf });

export const config = {
  // Everything but Next's own static files.
  matcher: ['/((?!_next/static|_next/image|favicon.ico).*)'],
};

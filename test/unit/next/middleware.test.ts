import { NextRequest } from 'next/server';
import { containmentKey } from '../../../core/containment/containment-key';
import { klaxonMiddleware, type KlaxonMiddlewareOptions } from '../../../packages/next/src/middleware';
import { MAX_STATE_BYTES, STATE_TIMEOUT_MS } from '../../../packages/next/src/containment-state';
import { ContainmentStore } from '../../support/next/containment-store';

/** The tenant is the first label of the host name: acme.app.example → acme. */
const bySubdomain = (request: NextRequest) => {
  const label = request.nextUrl.hostname.split('.')[0];
  return label === 'www' ? undefined : label;
};
const request = (url: string, init: { method?: string; headers?: Record<string, string> } = {}) => new NextRequest(url, init);
const sleep = (ms: number) => new Promise((ok) => setTimeout(ok, ms));

describe('klaxonMiddleware (Edge Config read API, real NextRequest)', () => {
  const store = new ContainmentStore();
  let warn: jest.SpyInstance;
  let info: jest.SpyInstance;
  const middleware = (containment: KlaxonMiddlewareOptions['containment'] = {}, rest: Partial<KlaxonMiddlewareOptions> = {}) =>
    klaxonMiddleware({ resolveTenant: bySubdomain, containment: { edgeConfig: store.connectionString, cacheSeconds: 0, ...containment }, provisioningRoutes: ['/api/invitations'], ...rest });

  beforeAll(() => store.start());
  beforeEach(() => {
    store.items = {};
    store.failures.length = 0;
    store.reads = 0;
    warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    info = jest.spyOn(console, 'info').mockImplementation(() => undefined);
  });
  afterEach(() => jest.restoreAllMocks());

  it('gives every request a fresh request id and the resolved tenant, on the response and forwarded to the app', async () => {
    const mw = middleware();
    const first = await mw(request('https://acme.app.example/dashboard'));
    const second = await mw(request('https://acme.app.example/dashboard'));
    const id = first.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(second.headers.get('x-request-id')).not.toBe(id);
    expect(first.headers.get('x-middleware-next')).toBe('1');
    expect(first.headers.get('x-middleware-request-x-request-id')).toBe(id);
    expect(first.headers.get('x-middleware-request-x-klaxon-tenant')).toBe('acme');
  });

  it("replaces a client's own x-klaxon-tenant and x-request-id, and removes the tenant header when there is no tenant", async () => {
    const mw = middleware();
    const spoofed = { 'x-klaxon-tenant': 'globex', 'x-request-id': 'chosen-by-client' };
    const tenantRequest = await mw(request('https://acme.app.example/', { headers: spoofed }));
    expect(tenantRequest.headers.get('x-middleware-request-x-klaxon-tenant')).toBe('acme');
    expect(tenantRequest.headers.get('x-middleware-request-x-request-id')).not.toBe('chosen-by-client');
    const anonymous = await mw(request('https://www.app.example/', { headers: spoofed }));
    expect(anonymous.headers.get('x-middleware-override-headers')?.split(',')).not.toContain('x-klaxon-tenant');
    expect(anonymous.headers.get('x-middleware-request-x-klaxon-tenant')).toBeNull();
  });

  it('answers an isolated tenant a neutral 503 page with Retry-After and no-store, and serves every other tenant', async () => {
    // The key exactly as Klaxon's edge-config adapter names it, pinned literally.
    store.hold('klaxon_tenant_acme_isolate-tenant', { kind: 'isolate-tenant', mode: 'blocked' });
    const mw = middleware();
    const isolated = await mw(request('https://acme.app.example/api/demo/export'));
    expect(isolated.status).toBe(503);
    expect(isolated.headers.get('retry-after')).toBe('60');
    expect(isolated.headers.get('cache-control')).toBe('no-store');
    expect(isolated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const page = await isolated.text();
    expect(page).toContain('Temporarily unavailable');
    expect(page).not.toMatch(/acme|isolat|incident|klaxon|contain/i);
    expect((await mw(request('https://globex.app.example/api/demo/export'))).headers.get('x-middleware-next')).toBe('1');
  });

  it('finds a tenant whose name holds "." and "_" under its escaped key, and not a look-alike', async () => {
    store.hold(containmentKey('acme.eu', 'isolate-tenant'), { kind: 'isolate-tenant', mode: 'maintenance' });
    const mw = klaxonMiddleware({ resolveTenant: (r) => r.headers.get('x-test-tenant') ?? undefined, containment: { edgeConfig: store.connectionString, cacheSeconds: 0 } });
    expect((await mw(request('https://app.example/', { headers: { 'x-test-tenant': 'acme.eu' } }))).status).toBe(503);
    expect((await mw(request('https://app.example/', { headers: { 'x-test-tenant': 'acme_eu' } }))).status).toBe(200);
  });

  it('keeps reads of a read-only tenant and refuses its changes; the strictest holder wins', async () => {
    store.hold('klaxon_tenant_acme_isolate-tenant', { kind: 'isolate-tenant', mode: 'read-only' });
    const mw = middleware();
    expect((await mw(request('https://acme.app.example/reports'))).status).toBe(200);
    expect((await mw(request('https://acme.app.example/reports', { method: 'POST' }))).status).toBe(503);
    const item = store.items['klaxon_tenant_acme_isolate-tenant'] as { holders: Record<string, unknown> };
    item.holders['incident-2:action-9'] = { incidentId: 'incident-2', actionId: 'action-9', spec: { kind: 'isolate-tenant' }, since: new Date().toISOString() };
    // A holder without a mode blocks, as Klaxon defines: now reads are refused too.
    expect((await mw(request('https://acme.app.example/reports'))).status).toBe(503);
  });

  it('serves a tenant again once the item is gone or has no holder left', async () => {
    store.items['klaxon_tenant_acme_isolate-tenant'] = { holders: {} };
    const mw = middleware();
    expect((await mw(request('https://acme.app.example/'))).status).toBe(200);
    store.hold('klaxon_tenant_acme_isolate-tenant', { kind: 'isolate-tenant', mode: 'blocked' });
    expect((await mw(request('https://acme.app.example/'))).status).toBe(503);
    delete store.items['klaxon_tenant_acme_isolate-tenant'];
    expect((await mw(request('https://acme.app.example/'))).status).toBe(200);
  });

  it("answers 429 with Retry-After to changes on a throttled tenant's provisioning routes only", async () => {
    store.hold('klaxon_tenant_acme_throttle-provisioning', { kind: 'throttle-provisioning', limits: { invitations: 0 } });
    const mw = middleware();
    const throttled = await mw(request('https://acme.app.example/api/invitations/new', { method: 'POST' }));
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).toBe('60');
    // Spellings the router reads as the same path do not slip past.
    expect((await mw(request('https://acme.app.example/api/%69nvitations', { method: 'POST' }))).status).toBe(429);
    expect((await mw(request('https://acme.app.example/api//invitations/', { method: 'PUT' }))).status).toBe(429);
    expect((await mw(request('https://acme.app.example/api/invitations', { method: 'GET' }))).status).toBe(200);
    expect((await mw(request('https://acme.app.example/api/invitationsx', { method: 'POST' }))).status).toBe(200);
    expect((await mw(request('https://acme.app.example/api/orders', { method: 'POST' }))).status).toBe(200);
    expect((await mw(request('https://globex.app.example/api/invitations', { method: 'POST' }))).status).toBe(200);
  });

  it('applies the global throttle to every tenant, and to requests without one', async () => {
    store.hold('klaxon_global_throttle-provisioning', { kind: 'throttle-provisioning', scope: 'global', limits: { signups: 0 } });
    const mw = middleware();
    expect((await mw(request('https://globex.app.example/api/invitations', { method: 'POST' }))).status).toBe(429);
    expect((await mw(request('https://www.app.example/api/invitations', { method: 'POST' }))).status).toBe(429);
  });

  it('reads the store once per cacheSeconds however many requests come, and sees a change after it', async () => {
    const mw = middleware({ cacheSeconds: 0.5 });
    const first = await Promise.all(Array.from({ length: 25 }, () => mw(request('https://acme.app.example/'))));
    expect(first.every((r) => r.status === 200)).toBe(true);
    store.hold('klaxon_tenant_acme_isolate-tenant', { kind: 'isolate-tenant', mode: 'blocked' });
    expect((await mw(request('https://acme.app.example/'))).status).toBe(200);
    expect(store.reads).toBe(1);
    await sleep(600);
    expect((await mw(request('https://acme.app.example/'))).status).toBe(503);
    expect(store.reads).toBe(2);
  });

  it('does not read the store for requests containment cannot concern (no tenant, not provisioning)', async () => {
    const mw = middleware();
    await mw(request('https://www.app.example/pricing'));
    await mw(request('https://www.app.example/api/invitations', { method: 'GET' }));
    expect(store.reads).toBe(0);
  });

  it.each([
    ['answers an error status', [500]],
    ['refuses the token', [403]],
    ['answers something that is not JSON', ['not-json']],
  ] as const)('fails open by default when the store %s: every request is served', async (_, failures) => {
    store.hold('klaxon_tenant_acme_isolate-tenant', { kind: 'isolate-tenant', mode: 'blocked' });
    store.failures.push(...failures);
    const mw = middleware();
    expect((await mw(request('https://acme.app.example/'))).status).toBe(200);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0][0])).toMatch(/containment store unreadable/);
    expect(String(warn.mock.calls[0][0])).not.toContain(store.token);
  });

  it('treats an answer over 1 MiB, or one that is not an object of items, as unreadable rather than reading it', async () => {
    const mw = middleware({ onUnavailable: 'closed' });
    store.items = { padding: 'x'.repeat(MAX_STATE_BYTES) };
    expect((await mw(request('https://acme.app.example/'))).status).toBe(503);
    expect(String(warn.mock.calls[0][0])).toMatch(/larger than 1048576 bytes/);
    (store as { items: unknown }).items = ['klaxon_tenant_acme_isolate-tenant'];
    expect((await mw(request('https://acme.app.example/'))).status).toBe(503);
    expect(String(warn.mock.calls[1][0])).toMatch(/not answer a JSON object of items/);
  });

  it('fails closed when asked: 503 to tenant and provisioning requests, the rest served', async () => {
    store.failures.push(503, 503, 503);
    const mw = middleware({ onUnavailable: 'closed' });
    const refused = await mw(request('https://acme.app.example/'));
    expect(refused.status).toBe(503);
    expect(await refused.text()).toContain('Temporarily unavailable');
    expect((await mw(request('https://www.app.example/api/invitations', { method: 'POST' }))).status).toBe(503);
    expect((await mw(request('https://www.app.example/pricing'))).status).toBe(200);
  });

  it(`treats a store that does not answer within ${STATE_TIMEOUT_MS} ms as unreadable`, async () => {
    store.failures.push('hang');
    const mw = middleware({ onUnavailable: 'closed' });
    const started = Date.now();
    expect((await mw(request('https://acme.app.example/'))).status).toBe(503);
    expect(Date.now() - started).toBeLessThan(STATE_TIMEOUT_MS + 1000);
    expect(String(warn.mock.calls[0][0])).toMatch(/did not answer within/);
  });

  it('logs an unreadable store once per interval, not per request, and its recovery once', async () => {
    store.failures.push(500, 500);
    const mw = middleware({ cacheSeconds: 0.4 });
    await Promise.all(Array.from({ length: 30 }, () => mw(request('https://acme.app.example/'))));
    await mw(request('https://acme.app.example/'));
    expect(warn).toHaveBeenCalledTimes(1);
    expect(store.reads).toBe(1);
    await sleep(450);
    await Promise.all(Array.from({ length: 10 }, () => mw(request('https://acme.app.example/'))));
    expect(warn).toHaveBeenCalledTimes(2);
    await sleep(450);
    await mw(request('https://acme.app.example/'));
    expect(info).toHaveBeenCalledTimes(1);
    expect(String(info.mock.calls[0][0])).toMatch(/readable again/);
    expect(warn).toHaveBeenCalledTimes(2);
  });

  it('reads any URL answering the same object, with its Bearer token, for apps not on Vercel', async () => {
    store.hold('klaxon_tenant_acme_isolate-tenant', { kind: 'isolate-tenant', mode: 'blocked' });
    const mw = klaxonMiddleware({ resolveTenant: bySubdomain, containment: { url: `${store.origin}/${store.id}/items`, token: store.token, cacheSeconds: 0 } });
    expect((await mw(request('https://acme.app.example/'))).status).toBe(503);
    const noToken = klaxonMiddleware({ resolveTenant: bySubdomain, containment: { url: `${store.origin}/${store.id}/items`, cacheSeconds: 0 } });
    expect((await noToken(request('https://acme.app.example/'))).status).toBe(200);
    expect(String(warn.mock.calls[0][0])).toMatch(/HTTP 403/);
  });

  it("serves without a tenant when resolveTenant throws or names something that is not a tenant", async () => {
    store.hold('klaxon_tenant_acme_isolate-tenant', { kind: 'isolate-tenant', mode: 'blocked' });
    const throwing = klaxonMiddleware({ resolveTenant: () => { throw new Error('session store down'); }, containment: { edgeConfig: store.connectionString } });
    const res = await throwing(request('https://acme.app.example/'));
    expect(res.status).toBe(200);
    expect(res.headers.get('x-middleware-request-x-klaxon-tenant')).toBeNull();
    const odd = klaxonMiddleware({ resolveTenant: () => '../acme', containment: { edgeConfig: store.connectionString } });
    expect((await odd(request('https://acme.app.example/'))).headers.get('x-middleware-request-x-klaxon-tenant')).toBeNull();
  });

  it("runs the app's own middleware for requests it lets through, with the request id and tenant", async () => {
    const seen: Array<{ requestId: string; tenant?: string }> = [];
    const mw = middleware({}, { next: (_r, context) => { seen.push(context); return Response.redirect('https://acme.app.example/login', 307); } });
    const res = await mw(request('https://acme.app.example/private'));
    expect(res.status).toBe(307);
    expect(res.headers.get('x-request-id')).toBe(seen[0].requestId);
    expect(seen[0].tenant).toBe('acme');
  });

  it('refuses a configuration it cannot use, at start-up', () => {
    expect(() => klaxonMiddleware({ resolveTenant: bySubdomain, containment: { edgeConfig: 'not a url' } })).toThrow(/EDGE_CONFIG is not a URL/);
    expect(() => klaxonMiddleware({ resolveTenant: bySubdomain, containment: { edgeConfig: 'https://edge-config.vercel.com/ecfg_1' } })).toThrow(/needs an Edge Config id and a token/);
    expect(() => klaxonMiddleware({ resolveTenant: bySubdomain, containment: { cacheSeconds: -1, url: 'http://127.0.0.1:1/items' } })).toThrow(/cacheSeconds/);
  });

  it('without EDGE_CONFIG or a url gives request ids and tenants only, and says once that nothing is enforced', async () => {
    const saved = process.env.EDGE_CONFIG;
    delete process.env.EDGE_CONFIG;
    try {
      const mw = klaxonMiddleware({ resolveTenant: bySubdomain });
      const res = await mw(request('https://acme.app.example/'));
      await mw(request('https://acme.app.example/'));
      expect(res.headers.get('x-middleware-request-x-klaxon-tenant')).toBe('acme');
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0][0])).toMatch(/no containment is enforced/);
    } finally {
      if (saved !== undefined) process.env.EDGE_CONFIG = saved;
    }
  });

  it('reads EDGE_CONFIG from the environment by default', async () => {
    store.hold('klaxon_tenant_acme_isolate-tenant', { kind: 'isolate-tenant', mode: 'blocked' });
    process.env.EDGE_CONFIG = store.connectionString;
    try {
      expect((await klaxonMiddleware({ resolveTenant: bySubdomain })(request('https://acme.app.example/'))).status).toBe(503);
    } finally {
      delete process.env.EDGE_CONFIG;
    }
  });
});

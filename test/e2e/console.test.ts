import { readFileSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { accessibilityProblems, BERLIN, launchBrowser, NEW_YORK, personContext, screenshot, signIn, squeezedText, watchPage, type PageTrouble, type Viewer } from '../support/browser';
import { startConsoleStack, type ConsoleStack } from '../support/console-stack';
import { startAll } from '../support/teardown';
import { waitFor } from '../support/waiting';

/**
 * The web console in a real browser (Debian's Chromium) against the embedded stack, as its
 * people use it: alice in Berlin (de-DE) and bob in New York (en-US) sign in with their own
 * tokens, follow an incident from its arrival to its evidence pack, and the console refuses
 * what it must. One stack and one browser for the whole file; the DOM hooks are those of
 * the console's contract (helpers' CONSOLE-CONTRACT.md, issue 20).
 */
let stack: ConsoleStack;
let browser: Browser;

beforeAll(async () => {
  [stack, browser] = await startAll([startConsoleStack(), launchBrowser()] as const);
}, 180_000);

interface Person {
  context: BrowserContext;
  page: Page;
  trouble: PageTrouble;
}

async function newPage(context: BrowserContext): Promise<Person> {
  const page = await context.newPage();
  return { context, page, trouble: watchPage(page) };
}

/** Someone at their own browser, signed in with `token` (the sign-in answered 303). */
async function signedIn(viewer: Viewer, token: string): Promise<Person> {
  const person = await newPage(await personContext(browser, viewer));
  expect(await signIn(person.page, stack.url, token)).toBe(303);
  return person;
}

const incidentPath = (id: string) => `/console/incidents/${encodeURIComponent(id)}`;
const sessionCookie = async (context: BrowserContext) => (await context.cookies(stack.url)).find((c) => c.name === 'klaxon_session');
const textOf = async (page: Page, selector: string) => ((await page.locator(selector).first().textContent()) ?? '').trim();

/**
 * What of an instant the console must show this viewer, by their own browser's Intl: the time of
 * day in their locale and zone, and their zone's name (`22:19` and `MEZ` in Berlin in German,
 * `4:19 PM` and `EST` in New York). Whatever date style the console picks holds both.
 */
const asViewerSees = (page: Page, iso: string) =>
  page.evaluate((at) => {
    const date = new Date(at);
    const zone = new Intl.DateTimeFormat(undefined, { timeZoneName: 'short' }).formatToParts(date).find((p) => p.type === 'timeZoneName')!.value;
    return [new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit' }).format(date), zone];
  }, iso);

/** The API as alice's token reads it, beside the console (never through it). */
async function api<T>(path: string): Promise<T> {
  const res = await fetch(`${stack.url}${path}`, { headers: { authorization: `Bearer ${stack.tokens.alice}` } });
  if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

interface LedgerEvent {
  seq: number;
  kind: string;
  hash: string;
  actor: { name: string };
}

/** The incident's record in the ledger, without the reads of it (each read of the timeline is itself recorded). */
async function recorded(id: string): Promise<LedgerEvent[]> {
  const { events } = await api<{ events: LedgerEvent[] }>(`/v1/incidents/${encodeURIComponent(id)}/timeline`);
  return events.filter((e) => e.kind !== 'audit.read');
}

async function expectAccessible(page: Page): Promise<void> {
  expect(await accessibilityProblems(page)).toEqual([]);
}

const noTrouble = { errors: [], dialogs: [] };

describe('a day with the console', () => {
  const title = 'Customer records of tenant acme visible to tenant globex on /api/customers';
  let alice: Person;
  let incidentId: string;

  it('serves the sign-in form, and nothing of an incident, to a browser that has not signed in', async () => {
    const visitor = await newPage(await personContext(browser, BERLIN));
    const answer = await visitor.page.goto(`${stack.url}/console`);
    expect(answer!.status()).toBe(200);
    expect(await visitor.page.locator('form[method=post][action="/console/sign-in"] input#token[name=token][type=password]').count()).toBe(1);
    expect(await textOf(visitor.page, 'label[for=token]')).toBe('Personal API token');
    // The data behind the console is closed too, and an incident page is the same form.
    expect((await visitor.page.request.get(`${stack.url}/v1/incidents`)).status()).toBe(401);
    await visitor.page.goto(`${stack.url}${incidentPath('inc-acme-0123456789abcdef')}`);
    expect(await visitor.page.locator('input[name=token]').count()).toBe(1);
    await screenshot(visitor.page, 'sign-in');
    await expectAccessible(visitor.page);
    expect(visitor.trouble).toEqual(noTrouble);
    await visitor.context.close();
  });

  it('signs alice in with her token, and shows an incident arriving on the list without a reload', async () => {
    alice = await signedIn(BERLIN, stack.tokens.alice);
    const cookie = await sessionCookie(alice.context);
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });
    expect(new URL(alice.page.url()).pathname).toBe('/console');
    await alice.page.locator('h1', { hasText: 'Incidents' }).waitFor();
    // Who is signed in comes from /v1/me, read beside the list rather than before it (the list
    // does not wait for it): it may be painted a moment after the heading.
    await alice.page.locator('#who', { hasText: 'alice' }).waitFor({ timeout: 10_000 });
    expect(await textOf(alice.page, '#who')).toContain('alice');
    // Marks this document: a reload or a navigation would lose the mark.
    await alice.page.evaluate('window.__sameDocument = true');

    incidentId = await stack.alert({ title, severity: 'SEV1', tenant: 'acme', dataCategories: ['personal-data'], dedupKey: 'console-live' });
    const row = alice.page.locator(`table#incidents tr[data-incident-id="${incidentId}"]`);
    await row.waitFor({ timeout: 20_000 });
    expect(await alice.page.evaluate('window.__sameDocument')).toBe(true);
    expect(await row.locator(`td:first-child a[href="${incidentPath(incidentId)}"]`).textContent()).toBe(incidentId);

    // The nearest deadline is GDPR Art. 33's, counting down from 72 hours; opened in Berlin time, in German.
    const { incidents } = await api<{ incidents: Array<{ incidentId: string; nextDeadline?: string; openedAt: string }> }>('/v1/incidents');
    const summary = incidents.find((i) => i.incidentId === incidentId)!;
    const deadline = row.locator('td.deadline time');
    expect(Date.parse((await deadline.getAttribute('datetime'))!)).toBe(Date.parse(summary.nextDeadline!));
    expect(await deadline.textContent()).toMatch(/7[01] h \d{1,2} min/);
    const opened = (await row.locator('td').nth(6).textContent())!;
    for (const part of await asViewerSees(alice.page, summary.openedAt)) expect(opened).toContain(part);

    await screenshot(alice.page, 'incidents');
    await expectAccessible(alice.page);
    expect(alice.trouble).toEqual(noTrouble);
  });

  it('opens the incident: the GDPR Art. 33 countdown with its deadline in UTC, the authority\'s zone and hers, and the verified timeline', async () => {
    await alice.page.locator(`table#incidents a[href="${incidentPath(incidentId)}"]`).click();
    await alice.page.waitForURL(`${stack.url}${incidentPath(incidentId)}`);
    await alice.page.locator('h1', { hasText: title }).waitFor();

    const { clocks } = await api<{ clocks: { clocks: Array<{ obligation: string; due: { utc: string; authority: string } }> } }>(`/v1/incidents/${incidentId}?tz=Europe/Berlin`);
    const due = clocks.clocks.find((c) => c.obligation === 'gdpr-art33')!.due;
    const clock = alice.page.locator('section#clocks div.clock[data-obligation="gdpr-art33"]');
    const countdown = clock.locator('time.countdown');
    await countdown.waitFor();
    expect(Date.parse((await countdown.getAttribute('datetime'))!)).toBe(Date.parse(due.utc));
    expect(await countdown.textContent()).toMatch(/7[01] h \d{1,2} min/);
    const clockText = (await clock.textContent())!;
    for (const part of await asViewerSees(alice.page, due.utc)) expect(clockText).toContain(part);
    expect(clockText).toContain('UTC');
    expect(clockText).toContain('Europe/Brussels');
    await alice.page.locator('#chain-status', { hasText: /^\s*Chain verified/ }).waitFor();
    const shownHashes = await alice.page.locator('section#timeline li.event code.hash').allTextContents();
    const ledger = await recorded(incidentId);
    expect(ledger.map((e) => e.kind)).toContain('incident.opened');
    expect(shownHashes.map((h) => h.trim())).toEqual(expect.arrayContaining(ledger.filter((e) => e.kind === 'incident.opened').map((e) => e.hash)));

    // Every section readable: the drafts' items too, long as the legal wording is.
    await alice.page.locator('section#drafts article.draft[data-obligation="gdpr-art33"]').waitFor();
    await screenshot(alice.page, 'incident');
    expect(await squeezedText(alice.page)).toEqual([]);
    await expectAccessible(alice.page);
    expect(alice.trouble).toEqual(noTrouble);
  });

  it('acknowledges it from the console: the status changes, and the Slack message that paged her says so', async () => {
    const paged = stack.slack.callsOf('chat.postMessage').find((c) => !c.args.thread_ts && JSON.stringify(c.args.blocks ?? []).includes(incidentId));
    expect(paged).toBeDefined();
    const pageTs = [...stack.slack.messages.values()].find((m) => m.channel === String(paged!.args.channel) && JSON.stringify(m.blocks).includes(incidentId) && !m.thread_ts)!.ts;

    await alice.page.locator('section#actions button#acknowledge').click();
    await alice.page.locator('#action-result[role=status]').filter({ hasText: /\S/ }).waitFor();
    await alice.page.locator('dd#status', { hasText: 'acknowledged' }).waitFor();
    expect(await textOf(alice.page, 'section#summary')).toContain('alice');

    const update = await waitFor('the Slack message updated with the acknowledgement', () =>
      stack.slack.callsOf('chat.update').find((c) => c.args.ts === pageTs && JSON.stringify(c.args.blocks).includes('*Acknowledged* by alice')),
    );
    expect(update.args.channel).toBe(paged!.args.channel);
    expect(alice.trouble).toEqual(noTrouble);
  });

  it('containment: refused to the person who requested it (two-person rule), approved by a second approver in New York', async () => {
    await stack.cli(['containment', 'request', incidentId, '--kind', 'throttle-provisioning', '--limit', 'invitations=0', '--reason', 'invitations sent from the leaked admin account'], stack.tokens.alice);
    await alice.page.reload();
    const requested = alice.page.locator('section#containment tr[data-action-id="a2"]');
    await requested.locator('button.approve').click();
    const refusal = alice.page.locator('[role=alert]', { hasText: 'two-person rule' });
    await refusal.waitFor();
    expect(await refusal.textContent()).toContain('alice requested a2: a second person must approve it (two-person rule)');
    expect(await requested.textContent()).toMatch(/awaiting.approval/i);

    const bob = await signedIn(NEW_YORK, stack.tokens.bob);
    await bob.page.goto(`${stack.url}${incidentPath(incidentId)}`);
    const forBob = bob.page.locator('section#containment tr[data-action-id="a2"]');
    await forBob.locator('button.approve').click();
    await bob.page.locator('#action-result[role=status]').filter({ hasText: /\S/ }).waitFor();
    await waitFor('the throttle at the customer\'s admin API', () => stack.admin.effects.get(`${incidentId}/a2/apply`) === 1);
    await bob.page.reload();
    await bob.page.locator('section#containment tr[data-action-id="a2"]', { hasText: 'bob' }).waitFor();
    const approved = await waitFor('the approval in the ledger', async () => (await recorded(incidentId)).find((e) => e.kind === 'containment.approved'));
    expect(approved.actor.name).toBe('bob');

    await screenshot(bob.page, 'incident-new-york');
    await expectAccessible(bob.page);
    expect(bob.trouble).toEqual(noTrouble);
    await bob.context.close();
    expect(alice.trouble).toEqual(noTrouble);
  });

  it('downloads the evidence pack of the incident', async () => {
    const link = alice.page.locator(`section#evidence a[download][href="/v1/incidents/${encodeURIComponent(incidentId)}/evidence?format=json"]`);
    const [download] = await Promise.all([alice.page.waitForEvent('download'), link.click()]);
    const pack = JSON.parse(readFileSync((await download.path())!, 'utf8')) as { incidentId: string; incident: { title: string; acknowledged?: { by: string } } };
    expect(pack).toMatchObject({ incidentId, incident: { title, acknowledged: { by: 'alice' } } });
    expect(alice.trouble).toEqual(noTrouble);
  });

  it('lists the deadlines of the next 72 hours on the compliance page', async () => {
    await alice.page.locator('nav a[href="/console/compliance"]').click();
    await alice.page.locator('h1', { hasText: 'Deadlines in the next 72 hours' }).waitFor();
    const row = alice.page.locator(`table#deadlines tr[data-incident-id="${incidentId}"][data-obligation="gdpr-art33"]`);
    await row.waitFor();
    expect(await row.locator(`a[href="${incidentPath(incidentId)}"]`).count()).toBe(1);
    expect(await row.locator('time').first().textContent()).toMatch(/7[01] h \d{1,2} min/);
    await screenshot(alice.page, 'compliance');
    await expectAccessible(alice.page);
    expect(alice.trouble).toEqual(noTrouble);
  });

  it('starts a maintenance window from its page; an alert of its tenant is held back, and ending it says what it held', async () => {
    await alice.page.locator('nav a[href="/console/maintenance"]').click();
    await alice.page.locator('h1', { hasText: 'Maintenance' }).waitFor();
    await alice.page.locator('#no-maintenance').waitFor();
    await alice.page.fill('#maintenance-tenant', 'initech');
    await alice.page.fill('#maintenance-minutes', '30');
    await alice.page.fill('#maintenance-reason', 'moving the initech database <b>now</b>');
    await alice.page.locator('#maintenance-start').click();
    await alice.page.locator('#action-result', { hasText: 'alerts of initech are held back' }).waitFor();
    const row = alice.page.locator('table#maintenance-windows tr[data-window-id]');
    await row.waitFor();
    expect(await row.locator('td').nth(8).textContent()).toBe('moving the initech database <b>now</b>');
    // `klaxon alert test --page` as any shell would fire it: held, no incident.
    const held = JSON.parse(await stack.cli(['alert', 'test', '--page', '--tenant', 'initech', '--json'], stack.tokens.alice));
    expect(held).toMatchObject({ incidentId: null, held: { window: await row.getAttribute('data-window-id') } });
    await alice.page.getByRole('button', { name: /^End maintenance window mw-/ }).click();
    await alice.page.locator('#action-result', { hasText: '1 alert(s) held back, 0 paged anyway' }).waitFor();
    await alice.page.locator('table#maintenance-windows tr.ended').waitFor();
    await screenshot(alice.page, 'maintenance');
    await expectAccessible(alice.page);
    expect(alice.trouble).toEqual(noTrouble);
  });

  it('signs out: the old session cookie is refused by the API and the console asks to sign in again', async () => {
    const old = (await sessionCookie(alice.context))!;
    await alice.page.getByRole('button', { name: 'Sign out' }).click();
    await alice.page.locator('input[name=token]').waitFor();
    expect(new URL(alice.page.url()).pathname).toBe('/console');
    expect(await sessionCookie(alice.context)).toBeUndefined();

    const refused = await fetch(`${stack.url}/v1/incidents`, { headers: { cookie: `klaxon_session=${old.value}` } });
    expect(refused.status).toBe(401);
    // A browser that kept the cookie (another tab, a copy) meets the sign-in page saying the session ended.
    const kept = await newPage(await personContext(browser, BERLIN));
    await kept.context.addCookies([{ name: old.name, value: old.value, url: stack.url }]);
    const answer = await kept.page.goto(`${stack.url}${incidentPath(incidentId)}`);
    expect(answer!.status()).toBe(401);
    expect(await kept.page.locator('input[name=token]').count()).toBe(1);
    expect(await kept.page.locator('body').textContent()).not.toContain(title);
    await kept.context.close();
    expect(alice.trouble).toEqual(noTrouble);
    await alice.context.close();
  });
});

describe('bad input: each a clear page, nothing recorded, no stack trace', () => {
  let bob: Person;
  let incidentId: string;

  beforeAll(async () => {
    incidentId = await stack.alert({ title: 'Session tokens in the access log', severity: 'SEV2', tenant: 'acme', dataCategories: ['credentials'], dedupKey: 'console-bad-input' });
    bob = await signedIn(NEW_YORK, stack.tokens.bob);
  });

  it('refuses an unknown, a revoked and an expired token at sign-in, with the reason and no session', async () => {
    const person = await newPage(await personContext(browser, BERLIN));
    for (const token of ['kx_not-a-token-anyone-made', stack.tokens.revoked, stack.tokens.expired]) {
      expect(await signIn(person.page, stack.url, token)).toBe(401);
      expect(await textOf(person.page, 'p[role=alert].error')).not.toBe('');
      expect(await person.page.locator('input[name=token]').count()).toBe(1);
      expect(await sessionCookie(person.context)).toBeUndefined();
    }
    expect(await textOf(person.page, 'p[role=alert].error')).toMatch(/expired/);
    await screenshot(person.page, 'sign-in-refused');
    await expectAccessible(person.page);
    expect(person.trouble).toEqual(noTrouble);
    await person.context.close();
  });

  it('a token without audit:read: the incident page says why the timeline is missing, and offers no action', async () => {
    const reader = await signedIn(BERLIN, stack.tokens.reader);
    await reader.page.goto(`${stack.url}${incidentPath(incidentId)}`);
    await reader.page.locator('section#timeline', { hasText: 'audit:read' }).waitFor();
    expect(await reader.page.locator('#chain-status').count()).toBe(0);
    expect(await reader.page.locator('section#actions').count()).toBe(0);
    expect(reader.trouble).toEqual(noTrouble);
    await reader.context.close();
  });

  it('refuses a write with a forged or missing CSRF token, or from another origin, and records nothing', async () => {
    await bob.page.goto(`${stack.url}${incidentPath(incidentId)}`);
    const before = await recorded(incidentId);
    const post = (csrf: string | undefined, body = '{}') =>
      bob.page.evaluate(
        async ({ url, csrf, body }) => {
          const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...(csrf === undefined ? {} : { 'x-klaxon-csrf': csrf }) }, body });
          return { status: res.status, body: await res.text() };
        },
        { url: `/v1/incidents/${encodeURIComponent(incidentId)}/escalate`, csrf, body },
      );
    for (const csrf of ['forged-csrf-token', undefined]) {
      const refused = await post(csrf);
      expect(refused.status).toBe(403);
      expect(JSON.parse(refused.body).error).toMatch(/^the console's CSRF token is missing or wrong/);
    }

    // The page's own token passes the CSRF check (a bad body is then what is refused): the 403s above were the CSRF check's.
    const csrf = (await bob.page.locator('meta[name=klaxon-csrf]').getAttribute('content'))!;
    expect((await post(csrf, '{"unexpected":true}')).status).toBe(422);
    // Right cookie and token from a page of another site: refused, as a current browser marks it
    // (Origin and Sec-Fetch-Site) and as one that sends Origin only.
    const cookie = (await sessionCookie(bob.context))!;
    const fromOtherSite: Array<Record<string, string>> = [{ origin: 'https://attacker.example', 'sec-fetch-site': 'cross-site' }, { origin: 'https://attacker.example' }];
    for (const from of fromOtherSite) {
      const crossOrigin = await fetch(`${stack.url}/v1/incidents/${encodeURIComponent(incidentId)}/escalate`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie: `klaxon_session=${cookie.value}`, 'x-klaxon-csrf': csrf, ...from },
        body: '{}',
      });
      expect({ from, status: crossOrigin.status }).toEqual({ from, status: 403 });
    }

    expect(await recorded(incidentId)).toEqual(before);
    expect(bob.trouble).toEqual(noTrouble);
  });

  it("another tenant's incident reads exactly as an unknown one: not found", async () => {
    const globex = await signedIn(BERLIN, stack.tokens.globex);
    await globex.page.goto(`${stack.url}${incidentPath(incidentId)}`);
    await globex.page.locator('h1', { hasText: 'Incident not found' }).waitFor();
    const hidden = (await textOf(globex.page, '#main')).replace(incidentId, '<id>');
    expect(hidden).not.toContain('Session tokens');
    const unknownId = 'inc-globex-0123456789abcdef';
    await globex.page.goto(`${stack.url}${incidentPath(unknownId)}`);
    await globex.page.locator('h1', { hasText: 'Incident not found' }).waitFor();
    expect((await textOf(globex.page, '#main')).replace(unknownId, '<id>')).toBe(hidden);

    await globex.page.goto(`${stack.url}/console`);
    await globex.page.locator('table#incidents, #no-incidents').first().waitFor();
    expect(await globex.page.locator(`tr[data-incident-id="${incidentId}"]`).count()).toBe(0);
    expect(globex.trouble).toEqual(noTrouble);
    await globex.context.close();
  });

  it('an unknown incident: a page that says so, with the API\'s message and no stack trace', async () => {
    const unknownId = 'inc-acme-ffffffffffffffff';
    await bob.page.goto(`${stack.url}${incidentPath(unknownId)}`);
    await bob.page.locator('h1', { hasText: 'Incident not found' }).waitFor();
    const body = (await bob.page.locator('body').textContent())!;
    expect(body).toContain(unknownId);
    expect(body).not.toMatch(/\bat \S+ \(|\.ts:\d+|Error:|undefined|\[object Object\]/);
    await screenshot(bob.page, 'not-found');
    await expectAccessible(bob.page);
    expect(bob.trouble).toEqual(noTrouble);
  });

  it('a script in an alert title is shown as text and never runs', async () => {
    const xss = '<img src=x onerror="window.__xss=1;alert(document.cookie)">';
    const id = await stack.alert({ title: xss, severity: 'SEV3', tenant: 'acme', dedupKey: 'console-xss' });
    const viewer = await newPage(bob.context);
    await viewer.page.goto(`${stack.url}/console`);
    await viewer.page.locator(`tr[data-incident-id="${id}"]`).waitFor({ timeout: 20_000 });
    await viewer.page.goto(`${stack.url}${incidentPath(id)}`);
    await viewer.page.locator('section#summary').waitFor();
    expect(await textOf(viewer.page, 'h1')).toBe(xss);
    // The CSP would block the handler even if the markup got in: the element itself must not exist.
    expect(await viewer.page.locator('img[src="x"]').count()).toBe(0);
    expect(await viewer.page.evaluate('typeof window.__xss')).toBe('undefined');
    expect(viewer.trouble).toEqual(noTrouble);
    await viewer.page.close();
  });

  it('a very long title leaves the page readable and its buttons within reach', async () => {
    const long = `Leak${'A'.repeat(496)}`;
    const id = await stack.alert({ title: long, severity: 'SEV3', tenant: 'acme', dedupKey: 'console-long-title' });
    const viewer = await newPage(bob.context);
    await viewer.page.goto(`${stack.url}${incidentPath(id)}`);
    await viewer.page.locator('section#actions button#acknowledge').waitFor();
    expect(await textOf(viewer.page, 'h1')).toBe(long);
    // Nothing runs off the side of the window: the title wraps.
    expect(await viewer.page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).toBe(true);
    expect(await squeezedText(viewer.page)).toEqual([]);
    await viewer.page.locator('button#acknowledge').click({ trial: true });
    await screenshot(viewer.page, 'long-title');
    expect(viewer.trouble).toEqual(noTrouble);
    await viewer.page.close();
  });
});

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { accessibilityProblems, BERLIN, launchBrowser, NEW_YORK, personContext, signIn, watchPage, type PageTrouble, type Viewer } from '../support/browser';
import { SLACK_ACTIONS } from '../../core/channels/slack-message';
import { CONSOLE_SLACK_SIGNING_SECRET, createToken, EVERY_SCOPE, startConsoleStack, type ConsoleStack } from '../support/console-stack';
import { signSlack, slackButtonClick } from '../support/signing';
import { waitFor } from '../support/waiting';
import { ROOT } from '../support/processes';
import { startAll } from '../support/teardown';

/**
 * Issue 22 in the web console, in a real browser against the embedded stack: alice starts a
 * drill from the Drills page (a bad scenario first, refused with its line and field), finds it
 * listed and its page marked DRILL, and pauses a scheduled drill; carol, the policy's incident commander and so the owner of
 * every review, resolves an incident, finds its review owed on the Reviews page, and writes it
 * with a follow-up action from the incident's page. One stack and one browser for the file.
 */
let stack: ConsoleStack;
let browser: Browser;
let carolToken: string;

beforeAll(async () => {
  [stack, browser] = await startAll([startConsoleStack(), launchBrowser()] as const);
  carolToken = await createToken(stack.env, 'carol-laptop', EVERY_SCOPE, { responder: 'carol' });
}, 180_000);

interface Person {
  context: BrowserContext;
  page: Page;
  trouble: PageTrouble;
}

async function signedIn(viewer: Viewer, token: string): Promise<Person> {
  const context = await personContext(browser, viewer);
  const page = await context.newPage();
  const person = { context, page, trouble: watchPage(page) };
  expect(await signIn(page, stack.url, token)).toBe(303);
  return person;
}

const incidentPath = (id: string) => `/console/incidents/${encodeURIComponent(id)}`;
const noTrouble = { errors: [], dialogs: [] };

async function expectAccessible(page: Page): Promise<void> {
  expect(await accessibilityProblems(page)).toEqual([]);
}

/** A day ahead of now by `days`, as a date field takes it (yyyy-mm-dd). */
const dateIn = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

describe('drills in the console', () => {
  it('starts a drill from the form, lists it, and marks its page as a drill', async () => {
    const alice = await signedIn(BERLIN, stack.tokens.alice);
    await alice.page.locator('nav a[href="/console/drills"]').click();
    await alice.page.locator('h1', { hasText: 'Drills' }).waitFor();
    await alice.page.locator('#no-drills').waitFor();

    // A scenario of one's own that does not hold: refused as the API words it, with its line and field.
    await alice.page.locator('#drill-policy').fill('console');
    await alice.page.locator('#drill-scenario-choice').selectOption('');
    await alice.page.locator('#drill-scenario').fill('name: Not A Slug\ntenant: acme\nalert: { title: Leak, severity: SEV9 }\n');
    await alice.page.locator('#drill-start').click();
    const refusal = alice.page.locator('.feedback [role=alert]');
    await refusal.waitFor();
    expect(await refusal.textContent()).toMatch(/^scenario:(\d+|\?): \S+: /m);
    expect(await alice.page.locator('#drill-scenario').inputValue()).toContain('Not A Slug');

    // One Klaxon ships: started, and listed with its report.
    await alice.page.locator('#drill-scenario-choice').selectOption('client-side-pii-leak.yaml');
    expect(await alice.page.locator('#drill-scenario').inputValue()).toContain('name: client-side-pii-leak');
    await alice.page.locator('#drill-start').click();
    const started = alice.page.locator('#action-result', { hasText: 'started under policy console' });
    await started.waitFor();
    const drillId = /Drill (drill-acme-\d{14}-[0-9a-f]{6})/.exec((await started.textContent())!)![1];
    const row = alice.page.locator(`table#drills tr[data-drill-id="${drillId}"]`);
    await row.waitFor({ timeout: 20_000 });
    expect(await row.locator(`a[download][href="/v1/drills/${drillId}/report?format=md"]`).count()).toBe(1);
    await alice.page.locator('#year-summary').waitFor();
    await alice.page.locator('#no-schedules').waitFor();
    await expectAccessible(alice.page);

    // A quarterly drill scheduled with the CLI: listed, and paused from the page.
    await stack.cli(['drill', 'schedule', '--policy', 'console', '--cron', '0 10 1 */3 *', '--scenario', join(ROOT, 'examples/drills/leaked-credentials-in-logs.yaml')], stack.tokens.alice);
    const scheduled = alice.page.locator('table#drill-schedule-list tr[data-schedule="leaked-credentials-in-logs"]');
    // Schedules are listed from Temporal's visibility, which follows a moment later: the page is read again until it shows.
    for (let i = 0; i < 40 && !(await scheduled.isVisible()); i++) {
      await alice.page.reload();
      await alice.page.locator('#drill-schedule-list, #no-schedules').first().waitFor();
    }
    await scheduled.locator('button.schedule-pause').click();
    await alice.page.locator('table#drill-schedule-list tr[data-schedule="leaked-credentials-in-logs"] td.status', { hasText: 'paused' }).waitFor();
    expect(await alice.page.locator('#action-result').textContent()).toBe('Drill schedule leaked-credentials-in-logs paused.');

    await alice.page.locator(`table#drills a[href="${incidentPath(drillId)}"]`).click();
    const banner = alice.page.locator('#drill-banner[role=note]');
    await banner.waitFor();
    expect(await banner.textContent()).toMatch(/^DRILL — this is a drill, not a real incident: scenario client-side-pii-leak, started by alice/);
    expect(await banner.locator(`a[href="/v1/drills/${drillId}/report?format=csv"]`).count()).toBe(1);
    expect(await alice.page.locator('h1').textContent()).toContain('PII in client-side error reports (checkout)');
    await expectAccessible(alice.page);
    expect(alice.trouble).toEqual(noTrouble);
    await alice.context.close();
  });
});

describe('a drill end to end on the embedded stack', () => {
  // No injects: the page reaches Slack at once, and level 1 (alice) answers it there.
  const SCENARIO = ['name: slack-acknowledged', 'tenant: acme', 'alert: { title: Session cookies in a public bucket, severity: SEV2, dataCategories: [personal-data] }', ''].join('\n');

  it('pages Slack marked DRILL, is acknowledged by a Slack button, and its report is exported with the acknowledgement', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'klaxon-drill-e2e-'));
    try {
      writeFileSync(join(dir, 'scenario.yaml'), SCENARIO);
      const drillId = JSON.parse(await stack.cli(['drill', 'start', '--policy', 'console', '--scenario', join(dir, 'scenario.yaml'), '--json'], stack.tokens.alice)).drillId as string;
      const page = await waitFor('the drill\'s Slack page', () => [...stack.slack.messages.values()].find((m) => JSON.stringify(m.blocks).includes(drillId)));
      expect(page.text.startsWith('DRILL — ')).toBe(true);

      const form = slackButtonClick('U0ALICE', SLACK_ACTIONS.acknowledge, drillId);
      const click = await fetch(`${stack.url}/v1/slack/interactions`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...signSlack(CONSOLE_SLACK_SIGNING_SECRET, form) }, body: form });
      expect(click.status).toBe(200);

      const out = join(dir, 'report.md');
      // The ledger's record follows the acknowledgement by a moment: the report is asked again until it has it.
      const report = await waitFor('the report with the acknowledgement', async () => {
        await stack.cli(['drill', 'report', drillId, '--format', 'md', '--out', out], stack.tokens.alice);
        const md = readFileSync(out, 'utf8');
        return /\| alice \| 1 \| [^|]+ \| 20\d\d-[^|]+ \| [\d.]+ \|/.test(md) && md;
      });
      expect(report).toContain(drillId);
      expect(report).toContain('SOC 2 CC7.4');
      expect(report).toContain('ISO 27001 A.5.27');

      // The year's drills list it; the incidents do not.
      const year = String(new Date().getUTCFullYear());
      expect(await stack.cli(['drill', 'year', year], stack.tokens.alice)).toContain(drillId);
      expect(await stack.cli(['incidents', 'list', '--json'], stack.tokens.alice)).not.toContain(drillId);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('post-incident reviews in the console', () => {
  it('resolves an incident, lists its review as owed, and writes it with an action from the incident page', async () => {
    const carol = await signedIn(NEW_YORK, carolToken);
    const title = 'Order exports readable without a session';
    const incidentId = await stack.alert({ title, severity: 'SEV3', tenant: 'acme', dataCategories: ['order-history'], dedupKey: 'console-review' });
    await carol.page.goto(`${stack.url}${incidentPath(incidentId)}`);
    await carol.page.locator('section#review #review-none').waitFor();
    await carol.page.locator('#resolve-note').fill('export route now requires a session');
    await carol.page.locator('#resolve').click();
    await carol.page.locator('dd#status', { hasText: 'resolved' }).waitFor();

    // The review workflow starts at the resolution and computes its due date: asked again until it answers.
    const status = carol.page.locator('dd#review-status');
    for (let i = 0; i < 40 && !(await status.isVisible()); i++) {
      const again = (await carol.page.locator('#review-check').elementHandle({ timeout: 10_000 }))!;
      await again.click();
      // The section is drawn again: this button goes, and a new one comes while the review is not there yet.
      await again.waitForElementState('hidden');
      await carol.page.waitForTimeout(250);
    }
    await status.filter({ hasText: 'owed' }).waitFor();
    expect(await carol.page.locator('dd#review-owner').textContent()).toBe('carol');
    // Due in her own zone, named.
    expect(await carol.page.locator('dd#review-due').textContent()).toMatch(/E[SD]T \(America\/New_York\)/);

    await carol.page.locator('nav a[href="/console/reviews"]').click();
    await carol.page.locator('h1', { hasText: 'Post-incident reviews' }).waitFor();
    const owed = carol.page.locator(`table#reviews-owed tr[data-incident-id="${incidentId}"]`);
    await owed.waitFor({ timeout: 20_000 });
    expect(await owed.locator('td.status').textContent()).toBe('owed');
    await expectAccessible(carol.page);

    await owed.locator('a').click();
    // A follow-up action first: the review is then complete only once it is done.
    await carol.page.locator('#review-action-title').fill('Make route guards deny by default');
    await carol.page.locator('#review-action-owner').fill('bob');
    await carol.page.locator('#review-action-due').fill(dateIn(30));
    await carol.page.locator('#review-action-add').click();
    const action = carol.page.locator('table#review-actions tr[data-action="1"]');
    await action.waitFor();
    expect(await action.textContent()).toContain('Make route guards deny by default');

    // A review without a root cause is refused by the API, and the text typed stays.
    await carol.page.locator('#review-summary').fill('The export route skipped the session check after a refactor.');
    await carol.page.locator('#review-root-cause').fill('   ');
    await carol.page.locator('#review-submit').click();
    await carol.page.locator('.feedback [role=alert]', { hasText: 'rootCause' }).waitFor();
    expect(await carol.page.locator('#review-summary').inputValue()).toContain('skipped the session check');

    await carol.page.locator('#review-root-cause').fill('Route guards were opt-in per handler.');
    await carol.page.locator('#review-factors').fill('no test for unauthenticated access\nrefactor merged on a Friday');
    await carol.page.locator('#review-submit').click();
    await status.filter({ hasText: 'submitted' }).waitFor();
    expect(await carol.page.locator('#review-findings').textContent()).toContain('refactor merged on a Friday');
    await expectAccessible(carol.page);

    await action.locator('button.action-done').click();
    await carol.page.locator('table#review-actions tr[data-action="1"] td.action-status', { hasText: 'done' }).waitFor();
    await status.filter({ hasText: 'complete' }).waitFor();
    expect(carol.trouble).toEqual(noTrouble);
    await carol.context.close();
  });
});

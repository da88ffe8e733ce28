import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiTokens } from '../../ledger/api-tokens';
import type { DrillReport } from '../../core/drills/drill-report';
import type { DrillYear } from '../../core/drills/drill-year';
import type { DrillScheduleView } from '../../client/drill-schedules';
import { klaxon } from '../support/processes';
import { startTestStack, type TestStack } from '../support/stack';
import { register } from '../support/teardown';
import { waitFor } from '../support/waiting';

/**
 * Scheduled drills and their reports on the real stack (Temporal dev server, PostgreSQL, the
 * worker, the API, the Slack stand-in): a drill schedule made over the API fires (triggered now
 * rather than at its quarter), its drill is paged for real, acknowledged over REST, and shows in
 * the year's drills and in its report; bad schedules and other tenants' reports are refused.
 */
let stack: TestStack;
const tokens: Record<string, string> = {};
const year = new Date().getUTCFullYear();

const SCENARIO = `name: quarterly-pii
description: Customer e-mail addresses in browser console logs
tenant: acme
alert: { title: Customer e-mails in browser console logs, severity: SEV2, dataCategories: [email] }
injects:
  - { at: 0m, kind: channel-down, channel: email, minutes: 10 }
`;

beforeAll(async () => {
  stack = await startTestStack();
  const store = new ApiTokens(stack.db.pool);
  const scopes = ['incidents:write', 'incidents:read', 'audit:read'];
  tokens.ops = (await store.create('ops', scopes, { responder: 'bob' })).token;
  tokens.acme = (await store.create('acme-auditor', scopes, { responder: 'bob', tenants: ['acme'] })).token;
  tokens.globex = (await store.create('globex-auditor', scopes, { responder: 'bob', tenants: ['globex'] })).token;
});
afterAll(() => stack?.stop());

/** A person's shell: no Temporal (a closed port) and no database; the API's address and a personal token. */
const shell = (token: string): NodeJS.ProcessEnv => ({ PATH: process.env.PATH, HOME: '/nonexistent', KLAXON_DATA_DIR: '/nonexistent/no-stack', TEMPORAL_ADDRESS: '127.0.0.1:9', KLAXON_API_URL: stack.apiUrl, KLAXON_TOKEN: token });

async function call(method: string, path: string, token: string, body?: unknown): Promise<{ status: number; body: any; text: string }> {
  const res = await fetch(`${stack.apiUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, text, body: res.headers.get('content-type')?.startsWith('application/json') ? JSON.parse(text) : undefined };
}

describe('a scheduled drill', () => {
  it('fires a drill whose acknowledgement shows in the year of drills and in its report', async () => {
    const made = await call('POST', '/v1/drill-schedules', tokens.acme, { policy: 'default', cron: '0 10 1 */3 *', timeZone: 'Europe/Berlin', scenario: SCENARIO, scenarioFile: 'quarterly-pii.yaml' });
    expect(made.status).toBe(201);
    const view = made.body as DrillScheduleView;
    expect(view).toMatchObject({ name: 'quarterly-pii', scheduleId: 'drill-schedule-quarterly-pii', policy: 'default', scenario: 'quarterly-pii', tenant: 'acme', cron: '0 10 1 */3 *', timeZone: 'Europe/Berlin', createdBy: 'bob', paused: false });
    // The first day of a quarter's month, 10:00 in Berlin (08:00 or 09:00 UTC).
    expect(view.nextRuns[0]).toMatch(/^\d{4}-(01|04|07|10)-01T0[89]:00:00\.000Z$/);
    expect((await call('POST', '/v1/drill-schedules', tokens.acme, { policy: 'default', cron: '0 10 1 */3 *', scenario: SCENARIO })).status).toBe(409);

    await stack.env.client.schedule.getHandle(view.scheduleId).trigger();
    const drillId = await waitFor('the scheduled drill in the year of drills', async () => {
      const y = (await call('GET', `/v1/drills/year/${year}`, tokens.acme)).body as DrillYear;
      return y.rows?.find((r) => r.startedBy === 'schedule:drill-schedule-quarterly-pii')?.drillId;
    });
    expect(drillId).toMatch(/^drill-acme-\d{14}-[0-9a-f]{6}$/);
    // Paged for real, the message marked: alice (level 1) gets the drill on Slack.
    await waitFor('the drill page on Slack', () => stack.slack.callsOf('chat.postMessage').some((c) => JSON.stringify(c.args).includes(drillId) && String(c.args.text).startsWith('DRILL — ')));

    expect((await call('POST', `/v1/incidents/${drillId}/acknowledge`, tokens.ops, {})).status).toBe(200);
    const report = await waitFor('the acknowledgement in the report', async () => {
      const r = (await call('GET', `/v1/drills/${drillId}/report`, tokens.acme)).body as DrillReport;
      return r.acknowledge?.byLevel[0]?.acknowledgedBy === 'bob' && r;
    });
    expect(report).toMatchObject({ drillId, scenario: 'quarterly-pii', policy: 'default', tenant: 'acme', startedBy: 'schedule:drill-schedule-quarterly-pii', scheduleId: 'drill-schedule-quarterly-pii', result: 'pass' });
    expect(report.acknowledge.byLevel[0]).toMatchObject({ level: 1, responders: ['alice'], acknowledgedBy: 'bob', minutesToAcknowledge: expect.any(Number) });
    expect(report.findings).toContain(`acknowledged by bob at level 1 after ${report.acknowledge.byLevel[0].minutesToAcknowledge} min`);

    const md = await call('GET', `/v1/drills/${drillId}/report?format=md`, tokens.acme);
    expect(md.status).toBe(200);
    expect(md.text).toContain(`# Drill report: ${drillId}`);
    expect(md.text).toMatch(/\| 1 \| 1 \| \S+ \| alice \| bob \| [\d.]+ \|  \|/);

    // The CLI saves it for the auditor, readable by its owner only.
    const dir = mkdtempSync(join(tmpdir(), 'klaxon-drill-report-'));
    register(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'report.md');
    expect((await klaxon(['drill', 'report', drillId, '--out', file], shell(tokens.acme))).stdout.trim()).toBe(`wrote ${file}`);
    expect(readFileSync(file, 'utf8')).toBe(md.text);
    expect(statSync(file).mode & 0o777).toBe(0o600);

    const y = (await call('GET', `/v1/drills/year/${year}?format=csv`, tokens.acme)).text;
    expect(y.split('\n').find((l) => l.startsWith(drillId))).toContain(',schedule:drill-schedule-quarterly-pii,,pass,');
    // Another tenant's auditor sees neither the drill nor its report.
    expect((await call('GET', `/v1/drills/year/${year}`, tokens.globex)).body).toMatchObject({ drills: 0, rows: [] });
    expect(await call('GET', `/v1/drills/${drillId}/report`, tokens.globex)).toMatchObject({ status: 404, body: { error: `drill ${drillId} was not found` } });
  });

  it('is listed, paused, unpaused and deleted by the CLI under a personal token', async () => {
    const env = shell(tokens.acme);
    const listed = await waitFor('the schedule in the listing', async () => {
      const out = (await klaxon(['drill', 'schedules'], env)).stdout;
      return out.includes('quarterly-pii:') && out;
    });
    expect(listed).toContain('quarterly-pii: scenario quarterly-pii for acme under policy default, cron 0 10 1 */3 * (Europe/Berlin); next ');
    expect((await call('GET', '/v1/drill-schedules', tokens.globex)).body).toEqual({ schedules: [] });
    expect((await call('POST', '/v1/drill-schedules/quarterly-pii/pause', tokens.globex)).status).toBe(404);
    expect((await klaxon(['drill', 'pause', 'quarterly-pii'], env)).stdout).toContain('PAUSED (paused by bob)');
    expect((await call('POST', '/v1/drill-schedules/drill-schedule-quarterly-pii/unpause', tokens.acme)).body).toMatchObject({ paused: false });
    expect((await call('DELETE', '/v1/drill-schedules/quarterly-pii', tokens.acme)).body).toEqual({ deleted: 'quarterly-pii' });
    expect(await call('DELETE', '/v1/drill-schedules/quarterly-pii', tokens.acme)).toMatchObject({ status: 404, body: { error: 'no drill schedule is named "quarterly-pii"' } });
  });

  it('refuses a bad cron, an unknown policy, a wrong scenario and another tenant, saying which field', async () => {
    const make = (body: Record<string, unknown>, token = tokens.acme) => call('POST', '/v1/drill-schedules', token, { policy: 'default', cron: '0 10 1 */3 *', scenario: SCENARIO, ...body });
    expect(await make({ cron: '0 10 1 */3' })).toMatchObject({ status: 400, body: { field: 'cron', error: expect.stringContaining('has 4 field(s); it needs 5') } });
    expect(await make({ cron: '0 25 * * *' })).toMatchObject({ status: 400, body: { field: 'cron', error: 'cron "0 25 * * *": hour "25" is not 0–23' } });
    expect(await make({ timeZone: 'Mars/Olympus' })).toMatchObject({ status: 400, body: { field: 'timeZone' } });
    expect(await make({ policy: 'nope' })).toMatchObject({ status: 400, body: { field: 'policy', error: 'policy "nope" does not exist (known: default)' } });
    expect(await make({ scenario: SCENARIO.replace('severity: SEV2', 'severity: SEV9'), scenarioFile: 'q.yaml' })).toMatchObject({ status: 400, body: { file: 'q.yaml', line: 4, field: 'alert.severity' } });
    expect(await make({ scenario: `${SCENARIO}owner: alice\n` })).toMatchObject({ status: 400, body: { file: 'scenario.yaml', line: 7, field: 'owner', error: 'scenario.yaml:7: owner: unknown field' } });
    expect(await make({}, tokens.globex)).toMatchObject({ status: 403, body: { error: 'token "globex-auditor" may not drill tenant "acme"' } });
    expect(await make({ extra: 1 })).toMatchObject({ status: 400, body: { error: expect.stringContaining('unknown field(s) extra') } });
  });

  it('fails a run whose scenario no longer holds when it fires, without retrying it', async () => {
    // Made straight on Temporal, past the API's checks: as a schedule made before the parser grew stricter.
    const scheduleId = 'drill-schedule-broken';
    const args = [{ scheduleId, policy: 'default', scenario: SCENARIO.replace('tenant: acme', 'tenant: "acme corp"'), scenarioFile: 'broken.yaml' }];
    await stack.env.client.schedule.create({ scheduleId, spec: { cronExpressions: ['0 10 1 */3 *'] }, action: { type: 'startWorkflow', workflowType: 'scheduledDrill', taskQueue: stack.config.temporal.taskQueue, workflowId: scheduleId, args } });
    const handle = stack.env.client.schedule.getHandle(scheduleId);
    await handle.trigger();
    const runId = await waitFor('the triggered run', async () => (await handle.describe()).info.recentActions[0]?.action.workflow.workflowId);
    const failure = await stack.env.client.workflow.getHandle(runId).result().then(
      () => undefined,
      (err: { cause?: { cause?: { message?: string; nonRetryable?: boolean } } }) => err.cause?.cause,
    );
    expect(failure).toMatchObject({ message: expect.stringMatching(/^broken\.yaml:3: tenant: /), nonRetryable: true });
    await handle.delete();
  });
});

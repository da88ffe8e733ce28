import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TEST_NOTIFICATIONS } from '../../client/api/quiet-deliveries';
import { klaxon } from '../support/processes';
import { signKlaxon } from '../support/signing';
import { ALERTMANAGER_TOKEN, SENTRY_CLIENT_SECRET, startTestStack, VERCEL_SECRET, WEBHOOK_SECRET, type TestStack } from '../support/stack';
import { waitFor } from '../support/waiting';

/**
 * Every event type Sentry, Datadog and Grafana send, as their documentation shows it
 * (test/fixtures/README.md names the page of each fixture), over HTTP on the real stack: what
 * Klaxon opens, resolves, records, or ignores with the reason, and who it pages.
 */
const GRAFANA_TOKEN = 'grafana-token-events';
const DATADOG_TOKEN = 'datadog-token-events';
const logs: string[] = [];
let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({
    env: { KLAXON_SOURCES: 'generic,alertmanager,grafana,datadog,sentry,vercel', KLAXON_GRAFANA_TOKEN: GRAFANA_TOKEN, KLAXON_DATADOG_TOKEN: DATADOG_TOKEN },
    apiLog: (line) => logs.push(line),
  });
});
afterAll(() => stack?.stop());

const fixture = (name: string) => readFileSync(join(__dirname, '../fixtures', name), 'utf8');
async function post(source: string, body: string, headers: Record<string, string>) {
  const res = await fetch(`${stack.apiUrl}/v1/alerts/${source}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}
const sentry = (name: string, resource: string) => {
  const body = fixture(name);
  return post('sentry', body, { 'sentry-hook-resource': resource, 'sentry-hook-signature': createHmac('sha256', SENTRY_CLIENT_SECRET).update(body).digest('hex') });
};
const datadog = (name: string) => post('datadog', fixture(name), { authorization: `Bearer ${DATADOG_TOKEN}` });
const grafana = (body: string) => post('grafana', body, { authorization: `Bearer ${GRAFANA_TOKEN}` });
const incidentCount = async () => (await stack.env.client.workflow.count(`WorkflowType = 'incident'`)).count;
const posts = () => stack.slack.callsOf('chat.postMessage').length;
const kinds = async (incidentId: string) => (await stack.ledger.timeline(incidentId)).map((e) => e.kind);

describe('Sentry', () => {
  it('opens an incident for an issue, joins its regression, records assignment, archiving, comments and errors in it, and passes on its resolution', async () => {
    const opened = await sentry('sentry-issue-created.json', 'issue');
    expect(opened).toMatchObject({ status: 202, body: { alerts: [{ deduplicated: false }] } });
    const incidentId = opened.body.alerts[0].incidentId;
    expect(await sentry('sentry-issue-unresolved.json', 'issue')).toMatchObject({ status: 202, body: { alerts: [{ incidentId, deduplicated: true }] } });

    for (const [name, resource, reason] of [
      ['sentry-issue-assigned.json', 'issue', 'issue assigned: not an alert'],
      ['sentry-issue-archived.json', 'issue', 'issue archived: not an alert'],
      ['sentry-error-created.json', 'error', 'error: not an alert'],
    ]) {
      expect(await sentry(name, resource)).toEqual({ status: 202, body: { alerts: [], resolved: [], ignored: [{ reason, count: 1, recordedIn: incidentId }] } });
    }
    // A comment names only the issue id: its incident is found when the rules give it no other tenant (here they do).
    expect(await sentry('sentry-comment-created.json', 'comment')).toEqual({ status: 202, body: { alerts: [], resolved: [], ignored: [{ reason: 'comment: not an alert', count: 1 }] } });
    const ignored = (await stack.ledger.timeline(incidentId)).filter((e) => e.kind === 'alert.ignored');
    expect(ignored.map((e) => [e.actor, e.payload.reason])).toEqual([
      [{ type: 'system', name: 'sentry', via: 'webhook' }, 'issue assigned: not an alert'],
      [{ type: 'system', name: 'sentry', via: 'webhook' }, 'issue archived: not an alert'],
      [{ type: 'system', name: 'sentry', via: 'webhook' }, 'error: not an alert'],
    ]);
    expect((await stack.incidents.state(incidentId)).alertCount).toBe(2);
    // One line each, naming source and reason, quoting nothing the sender wrote.
    expect(logs.filter((l) => l.includes('sentry delivery accepted and ignored'))).toHaveLength(4);
    expect(logs.join('\n')).not.toMatch(/looking into this|tenantId|Dana/);

    expect(await sentry('sentry-issue-resolved.json', 'issue')).toMatchObject({ status: 202, body: { resolved: [{ incidentId, matched: true }] } });
  });

  it('opens a SEV3 incident for a metric alert warning, raises it to SEV2 on critical, and resolves it with the same Sentry incident', async () => {
    const warning = await sentry('sentry-metric-alert-warning.json', 'metric_alert');
    expect(warning).toMatchObject({ status: 202, body: { alerts: [{ deduplicated: false }] } });
    const incidentId = warning.body.alerts[0].incidentId;
    expect(await stack.incidents.state(incidentId)).toMatchObject({ severity: 'SEV3', title: 'Too many errors', tenant: 'unassigned' });
    await waitFor('the SEV3 page', () => stack.slack.callsOf('chat.postMessage').some((c) => JSON.stringify(c.args.blocks).includes(incidentId)));

    expect(await sentry('sentry-metric-alert-critical.json', 'metric_alert')).toMatchObject({ status: 202, body: { alerts: [{ incidentId, deduplicated: true }] } });
    await waitFor('the severity raised', async () => (await stack.incidents.state(incidentId)).severity === 'SEV2');
    expect(await sentry('sentry-metric-alert-resolved.json', 'metric_alert')).toMatchObject({ status: 202, body: { alerts: [], resolved: [{ incidentId, matched: true }] } });
    await waitFor('the resolution in the ledger', async () => (await kinds(incidentId)).includes('alert.resolved_by_source'));
  });

  it('answers an installation as ignored, counting each delivery', async () => {
    const before = await incidentCount();
    const first = await sentry('sentry-installation-created.json', 'installation');
    expect(first).toEqual({ status: 202, body: { alerts: [], resolved: [], ignored: [{ reason: 'installation: not an alert', count: 1 }] } });
    const body = fixture('sentry-installation-created.json').replace('"created"', '"deleted"');
    const second = await post('sentry', body, { 'sentry-hook-resource': 'installation', 'sentry-hook-signature': createHmac('sha256', SENTRY_CLIENT_SECRET).update(body).digest('hex') });
    expect(second.body.ignored).toEqual([{ reason: 'installation: not an alert', count: 2 }]);
    expect(logs).toContain('klaxon api: sentry delivery accepted and ignored: installation: not an alert (2 so far)');
    expect(await incidentCount()).toBe(before);
  });
});

describe('Datadog', () => {
  it('opens from the template with the title prefix stripped, joins Re-Triggered and Renotify, records No Data, and resolves on Recovered', async () => {
    const opened = await datadog('datadog-triggered.json');
    expect(opened).toMatchObject({ status: 202, body: { alerts: [{ deduplicated: false }] } });
    const incidentId = opened.body.alerts[0].incidentId;
    expect(await stack.incidents.state(incidentId)).toMatchObject({ title: 'PII fields in /api/export responses', severity: 'SEV1', tenant: 'hooli' });
    for (const name of ['datadog-re-triggered.json', 'datadog-renotify.json']) {
      expect(await datadog(name)).toMatchObject({ status: 202, body: { alerts: [{ incidentId, deduplicated: true }] } });
    }
    expect(await datadog('datadog-no-data.json')).toEqual({
      status: 202,
      body: { alerts: [], resolved: [], ignored: [{ reason: 'No Data: the monitor has no data to evaluate', count: 1, recordedIn: incidentId }] },
    });
    expect(await kinds(incidentId)).toContain('alert.ignored');
    expect(await datadog('datadog-recovered.json')).toMatchObject({ status: 202, body: { resolved: [{ incidentId, matched: true }] } });
  });

  it('opens a Warn at SEV3 at most, whatever the priority', async () => {
    const warn = await datadog('datadog-warn.json');
    expect(await stack.incidents.state(warn.body.alerts[0].incidentId)).toMatchObject({ severity: 'SEV3', tenant: 'hooli' });
  });

  it("takes Datadog's default payload (it was refused with 422), keyed by name and scope so its recovery resolves, and flagged for triage", async () => {
    const opened = await datadog('datadog-default-triggered.json');
    expect(opened).toMatchObject({ status: 202, body: { alerts: [{ deduplicated: false }] } });
    const incidentId = opened.body.alerts[0].incidentId;
    expect(incidentId).toMatch(/^inc-initech-/);
    const state = await stack.incidents.state(incidentId);
    expect(state).toMatchObject({ title: 'PII fields in /api/export responses', severity: 'SEV3' });
    expect(state.triage).toContain("Datadog's default payload");
    expect(await datadog('datadog-default-recovered.json')).toMatchObject({ status: 202, body: { resolved: [{ incidentId, matched: true }] } });
  });
});

describe('test notifications', () => {
  it("records Grafana's contact-point test, Datadog's [TEST] and Klaxon's test: true, and pages nobody", async () => {
    const [before, pagesBefore] = [await incidentCount(), posts()];
    const proof = { received: true, recorded: { stream: TEST_NOTIFICATIONS, seq: expect.any(Number) }, paged: [] };
    expect(await grafana(fixture('grafana-test.json'))).toMatchObject({ status: 202, body: { alerts: [], resolved: [], tests: [{ source: 'grafana', ...proof }] } });
    expect(await datadog('datadog-test.json')).toMatchObject({ status: 202, body: { alerts: [], resolved: [], tests: [{ source: 'datadog', ...proof }] } });
    const generic = JSON.stringify({ title: 'Test alert', severity: 'SEV2', tenant: 'demo', test: true });
    expect(await post('generic', generic, { 'klaxon-signature': signKlaxon(WEBHOOK_SECRET, generic) })).toMatchObject({ status: 202, body: { test: true, source: 'generic', ...proof } });

    const recorded = await stack.ledger.timeline(TEST_NOTIFICATIONS);
    expect(recorded.map((e) => [e.kind, e.payload.source])).toEqual([
      ['source.test_received', 'grafana'],
      ['source.test_received', 'datadog'],
      ['source.test_received', 'generic'],
    ]);
    // Nothing opened, nobody paged, a moment later too.
    await new Promise((r) => setTimeout(r, 500));
    expect(await incidentCount()).toBe(before);
    expect(posts()).toBe(pagesBefore);
  });

  it('`klaxon alert test` sends a test and prints the proof: received, recorded, nobody paged', async () => {
    const [before, pagesBefore] = [await incidentCount(), posts()];
    const env = { ...process.env, KLAXON_API_URL: stack.apiUrl, KLAXON_WEBHOOK_SECRET: WEBHOOK_SECRET, TEMPORAL_ADDRESS: stack.env.address, KLAXON_RESPONDERS: 'alice:U0ALICE:Europe/Berlin' };
    const { stdout } = await klaxon(['alert', 'test'], env);
    const seq = (await stack.ledger.timeline(TEST_NOTIFICATIONS)).at(-1)!.seq;
    expect(stdout).toBe(
      [
        'Test alert received: signature and alert checked by the API.',
        `Recorded in the ledger: ${TEST_NOTIFICATIONS} #${seq} (GET /v1/incidents/${TEST_NOTIFICATIONS}/timeline)`,
        'Nobody paged. (--page fires a real alert that opens an incident and pages on-call.)',
        '',
      ].join('\n'),
    );
    expect(await incidentCount()).toBe(before);
    expect(posts()).toBe(pagesBefore);
  });

  it('checks a test: true alert like any other', async () => {
    const bad = JSON.stringify({ title: 'Test alert', severity: 'SEV9', tenant: 'demo', test: true });
    expect(await post('generic', bad, { 'klaxon-signature': signKlaxon(WEBHOOK_SECRET, bad) })).toMatchObject({ status: 422 });
    const odd = JSON.stringify({ title: 'Test alert', severity: 'SEV2', tenant: 'demo', test: 'yes' });
    expect(await post('generic', odd, { 'klaxon-signature': signKlaxon(WEBHOOK_SECRET, odd) })).toMatchObject({ status: 422, body: { problems: ['test: expected a boolean'] } });
  });
});

describe('Grafana', () => {
  it('opens on firing and resolves on resolved', async () => {
    const opened = await grafana(fixture('grafana-firing.json'));
    const incidentId = opened.body.alerts[0].incidentId;
    const resolved = JSON.parse(fixture('grafana-resolved.json'));
    resolved.alerts[0].endsAt = new Date().toISOString();
    expect(await grafana(JSON.stringify(resolved))).toMatchObject({ status: 202, body: { resolved: [{ incidentId, matched: true }] } });
  });
});

describe('deliveries that carry nothing', () => {
  it('answers an Alertmanager group with no alerts and a Vercel batch no detector matches as ignored, with the reason', async () => {
    const empty = JSON.stringify({ ...JSON.parse(fixture('alertmanager-firing.json')), alerts: [] });
    expect(await post('alertmanager', empty, { authorization: `Bearer ${ALERTMANAGER_TOKEN}` })).toEqual({
      status: 202,
      body: { alerts: [], resolved: [], ignored: [{ reason: 'the delivery carries no alert, resolution or event Klaxon acts on', count: 1 }] },
    });
    const quiet = JSON.stringify({ id: 'line-quiet-1', projectId: 'prj_7HqzU1xWk2cZ9mRb3Ae5', timestamp: Date.now(), path: '/', statusCode: 200, message: 'GET / 200' });
    const res = await post('vercel', quiet, { 'x-vercel-signature': createHmac('sha1', VERCEL_SECRET).update(quiet).digest('hex') });
    expect(res).toEqual({ status: 202, body: { alerts: [], resolved: [], ignored: [{ reason: 'no detector matched a line of the batch', count: 1 }] } });
  });
});

import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import { Pool } from 'pg';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { apiDepsFromConfig, createApiServer } from '../../client/api/server';
import { incidentIdFor } from '../../core/incident/incident-id';
import { SeenDeliveries } from '../../ledger/seen-deliveries';
import { DatabaseSpikeWindows } from '../../ledger/spike-windows';
import { ALERTMANAGER_TOKEN, SENTRY_CLIENT_SECRET, startTestStack, VERCEL_SECRET, type TestStack } from '../support/stack';
import { closeServer, register } from '../support/teardown';
import { waitFor } from '../support/waiting';

/** Alertmanager and Sentry webhooks over HTTP on the real stack, as those tools send them. */
let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(() => stack?.stop());

const fixture = (name: string) => readFileSync(join(__dirname, '../fixtures', name), 'utf8');

async function post(source: string, body: string, headers: Record<string, string>) {
  const res = await fetch(`${stack.apiUrl}/v1/alerts/${source}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}
const bearer = { authorization: `Bearer ${ALERTMANAGER_TOKEN}` };
const sentry = (body: string, resource: string) => ({
  'sentry-hook-resource': resource,
  'sentry-hook-signature': createHmac('sha256', SENTRY_CLIENT_SECRET).update(body).digest('hex'),
  'request-id': `req-${resource}-${body.length}`,
});

describe('Alertmanager', () => {
  it('opens an incident per tenant of a group, counts a retried delivery once, and records the resolution', async () => {
    const firing = await post('alertmanager', fixture('alertmanager-firing.json'), bearer);
    expect(firing.status).toBe(202);
    expect(firing.body.alerts).toHaveLength(2);
    expect(firing.body.alerts.map((a: { deduplicated: boolean }) => a.deduplicated)).toEqual([false, false]);
    const [acme, globex] = firing.body.alerts.map((a: { incidentId: string }) => a.incidentId);
    expect(acme).toMatch(/^inc-acme-/);
    expect(globex).toMatch(/^inc-globex-/);

    // Alertmanager retries a webhook that failed: the same alerts, not new ones.
    const retried = await post('alertmanager', fixture('alertmanager-firing.json'), bearer);
    expect(retried.body.alerts.map((a: { deduplicated: boolean }) => a.deduplicated)).toEqual([true, true]);
    const state = await stack.incidents.state(acme);
    expect(state).toMatchObject({ alertCount: 1, severity: 'SEV1', tenant: 'acme', title: 'Responses for tenant acme carry records of other tenants' });
    // Classified by the first rule of test/fixtures/rules.yaml.
    expect(state).toMatchObject({ service: 'customers-api', surfaces: ['api-route', 'server-rendered-page'], jurisdictions: ['EU', 'UK'], dataCategories: ['personal-data', 'credentials'] });
    expect(state.triage).toBeUndefined();

    // It ended after the incident opened (a resolution that ended before is about an earlier run).
    const ended = JSON.parse(fixture('alertmanager-resolved.json'));
    ended.alerts[0].endsAt = new Date().toISOString();
    const resolved = await post('alertmanager', JSON.stringify(ended), bearer);
    expect(resolved).toMatchObject({ status: 202, body: { alerts: [], resolved: [{ incidentId: acme, matched: true }] } });
    const timeline = await waitFor('the resolution in the ledger', async () => {
      const t = await stack.ledger.timeline(acme);
      return t.some((e) => e.kind === 'alert.resolved_by_source') && t;
    });
    expect(timeline.find((e) => e.kind === 'alert.resolved_by_source')!.actor).toEqual({ type: 'system', name: 'alertmanager', via: 'webhook' });
    // KLAXON_AUTO_RESOLVE is off here: a person still has to resolve it.
    expect((await stack.incidents.state(acme)).status).toBe('triggered');
  });

  it('refuses a wrong or missing token with 401 and records nothing', async () => {
    const before = (await stack.env.client.workflow.count(`WorkflowType = 'incident'`)).count;
    expect(await post('alertmanager', fixture('alertmanager-firing.json'), { authorization: 'Bearer guessed' })).toMatchObject({
      status: 401,
      body: { error: 'Authorization header does not match the configured credentials' },
    });
    expect((await post('alertmanager', fixture('alertmanager-firing.json'), {})).status).toBe(401);
    expect((await stack.env.client.workflow.count(`WorkflowType = 'incident'`)).count).toBe(before);
  });

  it('answers a resolution for which no incident is open, without opening one', async () => {
    const payload = JSON.parse(fixture('alertmanager-resolved.json'));
    payload.alerts[0].fingerprint = 'ffffffffffffffff';
    const res = await post('alertmanager', JSON.stringify(payload), bearer);
    expect(res).toMatchObject({ status: 202, body: { resolved: [{ matched: false }] } });
  });
});

describe('an alert no rule matches', () => {
  it('keeps its own tenant, gets the default service and jurisdictions, and is flagged for triage', async () => {
    const payload = JSON.parse(fixture('alertmanager-firing.json'));
    payload.alerts = [{ ...payload.alerts[1], labels: { ...payload.alerts[1].labels, alertname: 'DiskFull' }, fingerprint: '9999999999999999' }];
    // Its own group, as Alertmanager grouping by alert name sends it.
    payload.groupKey = '{}/{severity="critical"}:{alertname="DiskFull"}';
    const res = await post('alertmanager', JSON.stringify(payload), bearer);
    const state = await stack.incidents.state(res.body.alerts[0].incidentId);
    expect(state).toMatchObject({ tenant: 'globex', service: 'unclassified', jurisdictions: ['EU'], triage: 'no classification rule matched' });
  });
});

describe('Sentry', () => {
  it('opens an incident for a new issue, in the tenant the rules give it, and passes on its resolution', async () => {
    const created = fixture('sentry-issue-created.json');
    const opened = await post('sentry', created, sentry(created, 'issue'));
    expect(opened).toMatchObject({ status: 202, body: { alerts: [{ deduplicated: false }] } });
    const incidentId = opened.body.alerts[0].incidentId;
    expect(incidentId).toMatch(/^inc-platform-/);
    expect(await stack.incidents.state(incidentId)).toMatchObject({ severity: 'SEV2', tenant: 'platform', service: 'web-app', jurisdictions: ['US-CA'] });

    const resolvedBody = fixture('sentry-issue-resolved.json');
    expect(await post('sentry', resolvedBody, sentry(resolvedBody, 'issue'))).toMatchObject({ status: 202, body: { resolved: [{ incidentId, matched: true }] } });
  });

  it('takes a delivery once whatever its unsigned Request-ID says, and remembers it after the incident is resolved', async () => {
    const created = fixture('sentry-issue-created.json').replace('WEB-APP-1Q', 'WEB-APP-7Q').replace(/"id": "(\d+)"/, '"id": "$17"');
    const opened = await post('sentry', created, { ...sentry(created, 'issue'), 'request-id': 'first' });
    expect(opened).toMatchObject({ status: 202, body: { alerts: [{ deduplicated: false }] } });
    const incidentId = opened.body.alerts[0].incidentId;
    const replay = await post('sentry', created, { ...sentry(created, 'issue'), 'request-id': 'another' });
    expect(replay).toEqual({ status: 202, body: { alerts: [{ incidentId, deduplicated: true, replayed: true }], resolved: [] } });
    expect((await stack.incidents.state(incidentId)).alertCount).toBe(1);

    await stack.incidents.change('resolve', incidentId, { by: { responder: 'alice', via: 'cli' } });
    await stack.env.client.workflow.getHandle(incidentId).result();
    expect(await post('sentry', created, { ...sentry(created, 'issue'), 'request-id': 'later' })).toEqual(replay);
    expect((await stack.env.client.workflow.count(`WorkflowId = '${incidentId}'`)).count).toBe(1);
  });

  it('refuses a body whose signature does not match', async () => {
    const created = fixture('sentry-issue-created.json');
    const res = await post('sentry', created.replace('WEB-APP-1Q', 'WEB-APP-2Q'), sentry(created, 'issue'));
    expect(res).toMatchObject({ status: 401, body: { error: 'Sentry-Hook-Signature does not match the body' } });
  });
});

describe('Vercel log drain', () => {
  it('answers with the verification token, and turns detected lines into incidents of the mapped tenant', async () => {
    const body = fixture('vercel-drain.ndjson');
    const res = await fetch(`${stack.apiUrl}/v1/alerts/vercel`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson', 'x-vercel-signature': createHmac('sha1', VERCEL_SECRET).update(body).digest('hex') },
      body,
    });
    expect(res.status).toBe(202);
    expect(res.headers.get('x-vercel-verify')).toBe('vercel-verify-token');
    const answer = (await res.json()) as { alerts: Array<{ incidentId: string }> };
    expect(answer.alerts).toHaveLength(2);
    const states = await Promise.all(answer.alerts.map((a) => stack.incidents.state(a.incidentId)));
    expect(states.map((s) => [s.tenant, s.severity])).toEqual([
      ['acme', 'SEV1'],
      ['acme', 'SEV2'],
    ]);

    // The same drain bytes again: the lines were taken, none of them counts twice.
    const again = await fetch(`${stack.apiUrl}/v1/alerts/vercel`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson', 'x-vercel-signature': createHmac('sha1', VERCEL_SECRET).update(body).digest('hex') },
      body,
    });
    expect(await again.json()).toEqual({ alerts: answer.alerts.map((a) => ({ incidentId: a.incidentId, deduplicated: true, replayed: true })), resolved: [] });
    expect((await Promise.all(answer.alerts.map((a) => stack.incidents.state(a.incidentId)))).map((s) => s.alertCount)).toEqual([1, 1]);
  });
});

describe('Vercel status spikes, each log line counted once', () => {
  // The fixture's rules: 3 responses 401/403 on /admin within a 60 s window page (SEV2).
  const DETECTOR = 'spike of 401/403 on admin routes';
  /** A second API process on the same Temporal and ledger database, as a replica is. */
  let replica: string;
  beforeAll(async () => {
    const server: Server = createApiServer({
      ...apiDepsFromConfig(stack.config, stack.incidents, undefined, new SeenDeliveries(stack.db.pool), new DatabaseSpikeWindows(stack.db.pool)),
      log: () => undefined,
    });
    register(() => closeServer(server));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    replica = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  /** Forbidden admin requests of a project (mapped to no tenant), one line each, `seconds` into a window of their own. */
  const start = Math.floor(Date.now() / 60_000) * 60_000 - 10 * 60_000;
  const forbidden = (project: string, ...seconds: number[]) =>
    seconds.map((s) => ({ id: `${project}-line-${s}`, projectId: project, timestamp: start + s * 1000, source: 'edge', proxy: { method: 'POST', path: '/admin/users', statusCode: 403 } }));
  async function drain(apiUrl: string, lines: unknown[]): Promise<{ status: number; alerts: Array<{ incidentId: string; deduplicated: boolean; replayed?: boolean }> }> {
    const body = JSON.stringify(lines);
    const res = await fetch(`${apiUrl}/v1/alerts/vercel`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-vercel-signature': createHmac('sha1', VERCEL_SECRET).update(body).digest('hex') },
      body,
    });
    return { status: res.status, alerts: ((await res.json()) as { alerts: Array<{ incidentId: string; deduplicated: boolean }> }).alerts };
  }
  const incidentOf = (project: string) => incidentIdFor({ tenant: stack.config.defaultTenant, dedupKey: `vercel:${DETECTOR}:${project}` });

  it('does not page when Vercel redelivers a batch below the threshold', async () => {
    const batch = forbidden('prj_redelivered', 1, 2);
    expect(await drain(stack.apiUrl, batch)).toEqual({ status: 202, alerts: [] });
    // The same two lines again: still two lines in the window, not four.
    expect(await drain(stack.apiUrl, batch)).toEqual({ status: 202, alerts: [] });
    await expect(stack.incidents.state(incidentOf('prj_redelivered'))).rejects.toThrow();
  });

  it('does not raise an open incident\'s count when a batch is redelivered', async () => {
    const opened = await drain(stack.apiUrl, forbidden('prj_open', 1, 2, 3));
    expect(opened.alerts).toEqual([{ incidentId: incidentOf('prj_open'), deduplicated: false }]);
    // The next window: two lines, delivered twice.
    const next = forbidden('prj_open', 61, 62);
    expect((await drain(stack.apiUrl, next)).alerts).toEqual([]);
    expect((await drain(stack.apiUrl, next)).alerts).toEqual([]);
    expect((await stack.incidents.state(incidentOf('prj_open'))).alertCount).toBe(1);
    // A third line in that window is a spike of its own: counted, once.
    expect((await drain(stack.apiUrl, forbidden('prj_open', 63))).alerts).toEqual([{ incidentId: incidentOf('prj_open'), deduplicated: true }]);
    await waitFor('the second window counted', async () => (await stack.incidents.state(incidentOf('prj_open'))).alertCount === 2);
  });

  it('counts a spike split across two API replicas once, and pages at the threshold', async () => {
    const [first, second, third, fourth] = forbidden('prj_split', 1, 2, 3, 4);
    expect((await drain(stack.apiUrl, [first])).alerts).toEqual([]);
    expect((await drain(replica, [second])).alerts).toEqual([]);
    expect((await drain(stack.apiUrl, [third])).alerts).toEqual([{ incidentId: incidentOf('prj_split'), deduplicated: false }]);
    // The window has paged: a fourth line on either replica raises nothing more.
    expect((await drain(replica, [fourth])).alerts).toEqual([]);
    expect((await stack.incidents.state(incidentOf('prj_split'))).alertCount).toBe(1);
  });

  it('takes a batch\'s other alerts when its spike windows cannot be counted, and answers 503 so Vercel sends it again', async () => {
    // A replica whose ledger database is away (nothing listens on port 1).
    const away = new Pool({ connectionString: 'postgres://postgres@127.0.0.1:1/test', connectionTimeoutMillis: 1000 });
    register(() => away.end());
    const server: Server = createApiServer({ ...apiDepsFromConfig(stack.config, stack.incidents, undefined, new SeenDeliveries(stack.db.pool), new DatabaseSpikeWindows(away)), log: () => undefined });
    register(() => closeServer(server));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const lines = fixture('vercel-drain.ndjson')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .map((l) => ({ ...l, id: `away-${l.id}`, projectId: l.projectId && 'prj_away', timestamp: start + 1000 }));
    const body = JSON.stringify(lines);
    const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/alerts/vercel`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-vercel-signature': createHmac('sha1', VERCEL_SECRET).update(body).digest('hex') },
      body,
    });
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: string }).error).toMatch(/^the batch's other alerts were taken, but its status-spike windows could not be counted, retry later/);
    // The sensitive response was taken at once.
    const leak = incidentIdFor({ tenant: stack.config.defaultTenant, dedupKey: 'vercel:sensitive fields in a response:prj_away' });
    expect((await stack.incidents.state(leak)).alertCount).toBe(1);
    // Vercel's retry reaches a replica whose database answers: the spike pages, the leak is not counted again.
    const retried = await drain(stack.apiUrl, lines);
    expect(retried).toEqual({ status: 202, alerts: [{ incidentId: leak, deduplicated: true, replayed: true }, { incidentId: incidentOf('prj_away'), deduplicated: false }] });
    expect((await stack.incidents.state(leak)).alertCount).toBe(1);
  });

  it('counts a line taken by one replica and redelivered to another once', async () => {
    const batch = forbidden('prj_replayed', 1, 2);
    expect((await drain(stack.apiUrl, batch)).alerts).toEqual([]);
    expect((await drain(replica, batch)).alerts).toEqual([]);
    expect((await drain(replica, batch)).alerts).toEqual([]);
    await expect(stack.incidents.state(incidentOf('prj_replayed'))).rejects.toThrow();
    expect((await drain(replica, forbidden('prj_replayed', 3))).alerts).toEqual([{ incidentId: incidentOf('prj_replayed'), deduplicated: false }]);
  });
});

import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Child, freePort } from '../support/processes';
import { ALERTMANAGER_TOKEN, startTestStack, type TestStack } from '../support/stack';
import { closeServer, register, track } from '../support/teardown';
import { waitFor } from '../support/waiting';

/**
 * The whole chain as an operator wires it, with Debian's programs (`apt-get install prometheus
 * prometheus-alertmanager`): a real Prometheus scrapes a metric this file serves and evaluates
 * an alert rule on it; a real Alertmanager groups the alerts by tenant and posts them to
 * Klaxon's webhook, one receiver with a bearer token and one with basic auth, as `http_config`
 * sets them. The file changes the metric and counts what Klaxon made of it: incidents (Temporal)
 * and pages (the Slack stand-in).
 */
const BASIC = { username: 'alertmanager', password: 'basic-secret-integration' };
const WAIT = 30_000;

let stack: TestStack;
let alertmanagerUrl: string;
/** cross_tenant_cache_hits by `tenant/pod`: what the metric endpoint serves now. */
const hits = new Map<string, number>([
  ['acme/a', 1],
  ['acme/b', 1],
  ['acme/c', 1],
  ['globex/x', 1],
  ['initech/z', 1],
]);

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'klaxon-alertmanager-'));
  register(() => rmSync(dir, { recursive: true, force: true }));
  stack = await startTestStack({ autoResolve: true, env: { KLAXON_ALERTMANAGER_BASIC_AUTH: `${BASIC.username}:${BASIC.password}` } });

  const metrics = track(
    createServer((_req, res) => {
      const lines = [...hits].map(([key, v]) => {
        const [tenant, pod] = key.split('/');
        return `cross_tenant_cache_hits{tenant="${tenant}",pod="${pod}"} ${v}`;
      });
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      res.end(`# TYPE cross_tenant_cache_hits gauge\n${lines.join('\n')}\n`);
    }),
    closeServer,
  );
  metrics.listen(0, '127.0.0.1');
  await once(metrics, 'listening');
  const [amPort, promPort] = [await freePort(), await freePort()];
  const webhook = `${stack.apiUrl}/v1/alerts/alertmanager`;

  // Alertmanager: grouped by alert and tenant, globex's group through the basic-auth receiver,
  // intervals of a second or two so groups, repeats and resolutions come within the file's time.
  writeFileSync(
    join(dir, 'alertmanager.yml'),
    JSON.stringify({
      global: { resolve_timeout: '5s' },
      route: {
        receiver: 'klaxon-bearer',
        group_by: ['alertname', 'tenant'],
        group_wait: '1s',
        group_interval: '1s',
        repeat_interval: '2s',
        routes: [{ matchers: ['tenant="globex"'], receiver: 'klaxon-basic' }],
      },
      receivers: [
        { name: 'klaxon-bearer', webhook_configs: [{ url: webhook, send_resolved: true, http_config: { authorization: { type: 'Bearer', credentials: ALERTMANAGER_TOKEN } } }] },
        { name: 'klaxon-basic', webhook_configs: [{ url: webhook, send_resolved: true, http_config: { basic_auth: BASIC } }] },
      ],
    }),
  );
  const alertmanager = Child.start('prometheus-alertmanager', [
    `--config.file=${join(dir, 'alertmanager.yml')}`,
    `--storage.path=${join(dir, 'alertmanager-data')}`,
    `--web.listen-address=127.0.0.1:${amPort}`,
    // Empty: no cluster, no gossip port.
    '--cluster.listen-address=',
  ], process.env);
  alertmanagerUrl = `http://127.0.0.1:${amPort}`;
  await waitFor('Alertmanager ready', () => fetch(`${alertmanagerUrl}/-/ready`).then((r) => r.ok, () => false), WAIT).catch((err: Error) => {
    throw new Error(`${err.message}\n${alertmanager.output}`);
  });

  // initech's alerts are silenced before they ever fire.
  const now = Date.now();
  const silence = await fetch(`${alertmanagerUrl}/api/v2/silences`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      matchers: [{ name: 'tenant', value: 'initech', isRegex: false, isEqual: true }],
      startsAt: new Date(now - 60_000).toISOString(),
      endsAt: new Date(now + 3_600_000).toISOString(),
      createdBy: 'klaxon-integration',
      comment: 'maintenance of initech',
    }),
  });
  expect(silence.status).toBe(200);

  writeFileSync(
    join(dir, 'rules.yml'),
    JSON.stringify({
      groups: [
        {
          name: 'klaxon',
          rules: [
            {
              alert: 'CrossTenantCacheHit',
              expr: 'cross_tenant_cache_hits > 0',
              labels: { severity: 'critical' },
              annotations: { summary: 'The cache served another tenant\'s data to {{ $labels.tenant }} on {{ $labels.pod }}' },
            },
          ],
        },
      ],
    }),
  );
  writeFileSync(
    join(dir, 'prometheus.yml'),
    JSON.stringify({
      global: { scrape_interval: '1s', evaluation_interval: '1s' },
      rule_files: [join(dir, 'rules.yml')],
      scrape_configs: [{ job_name: 'app', static_configs: [{ targets: [`127.0.0.1:${(metrics.address() as { port: number }).port}`] }] }],
      alerting: { alertmanagers: [{ static_configs: [{ targets: [`127.0.0.1:${amPort}`] }] }] },
    }),
  );
  const prometheus = Child.start('prometheus', [
    `--config.file=${join(dir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${join(dir, 'prometheus-data')}`,
    `--web.listen-address=127.0.0.1:${promPort}`,
    // Firing alerts are re-sent to Alertmanager every second, not every minute.
    '--rules.alert.resend-delay=1s',
  ], process.env);
  await waitFor('Prometheus ready', () => fetch(`http://127.0.0.1:${promPort}/-/ready`).then((r) => r.ok, () => false), WAIT).catch((err: Error) => {
    throw new Error(`${err.message}\n${prometheus.output}`);
  });
}, 120_000);
afterAll(() => stack?.stop());

/** Incidents of `tenant`, open or closed. */
const incidentsOf = async (tenant: string) => stack.incidents.list({ tenant });
/** Pages of the incident at the Slack stand-in: its top-level messages (status changes go to their threads). */
const pagesOf = (incidentId: string) => stack.slack.callsOf('chat.postMessage').filter((c) => !c.args.thread_ts && JSON.stringify(c.args.blocks).includes(incidentId)).length;
/** A counter of Alertmanager's own /metrics, summed over its labels. */
async function alertmanagerCounter(name: string): Promise<number> {
  const text = await (await fetch(`${alertmanagerUrl}/metrics`)).text();
  return text.split('\n').filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `)).reduce((sum, l) => sum + Number(l.split(' ').at(-1)), 0);
}

describe('Prometheus and Alertmanager, the real programs, against Klaxon', () => {
  let acme: string;

  it('opens one incident, with one page, for a group of alerts (bearer token), and another for the tenant routed to basic auth', async () => {
    const opened = await waitFor('the acme group\'s 3 alerts in Klaxon', async () => {
      const all = await incidentsOf('acme');
      const counts = await Promise.all(all.map((i) => stack.incidents.state(i.incidentId).then((s) => s.alertCount)));
      return counts.reduce((a, b) => a + b, 0) === 3 && all;
    }, WAIT);
    expect(opened).toHaveLength(1);
    acme = opened[0].incidentId;
    const state = await stack.incidents.state(acme);
    expect(state).toMatchObject({ alertCount: 3, status: 'triggered', severity: 'SEV1', group: { firing: 3, key: '{}:{alertname="CrossTenantCacheHit", tenant="acme"}' } });
    expect(state.group!.members.map((m) => m.labels?.pod).sort()).toEqual(['a', 'b', 'c']);
    await waitFor('the page', () => pagesOf(acme) === 1, WAIT);

    const globex = await waitFor('globex\'s incident, through the basic-auth receiver', async () => (await incidentsOf('globex'))[0]?.incidentId, WAIT);
    expect(await stack.incidents.state(globex)).toMatchObject({ alertCount: 1, group: { memberCount: 1 } });
  }, 60_000);

  it('takes Alertmanager\'s repeats of the group without a new incident, a new count or a new page', async () => {
    const sent = await alertmanagerCounter('alertmanager_notifications_total');
    // repeat_interval is 2 s: two more notifications of each group.
    await waitFor('repeat notifications', async () => (await alertmanagerCounter('alertmanager_notifications_total')) >= sent + 4, WAIT);
    expect(await incidentsOf('acme')).toHaveLength(1);
    expect((await stack.incidents.state(acme)).alertCount).toBe(3);
    expect(pagesOf(acme)).toBe(1);
    expect(await alertmanagerCounter('alertmanager_notifications_failed_total')).toBe(0);
  }, 60_000);

  it('adds an alert that joins the group to the same incident', async () => {
    hits.set('acme/d', 1);
    await waitFor('the fourth alert in the incident', async () => (await stack.incidents.state(acme)).group?.memberCount === 4, WAIT);
    expect(await stack.incidents.state(acme)).toMatchObject({ alertCount: 4, group: { firing: 4 } });
    expect(await incidentsOf('acme')).toHaveLength(1);
    expect(pagesOf(acme)).toBe(1);
  }, 60_000);

  it('records each alert\'s resolution, and resolves the incident (auto-resolve on) only when all are resolved', async () => {
    hits.set('acme/a', 0);
    await waitFor('the first member resolved', async () => (await stack.incidents.state(acme)).group?.firing === 3, WAIT);
    expect((await stack.incidents.state(acme)).status).toBe('triggered');

    for (const pod of ['b', 'c', 'd']) hits.set(`acme/${pod}`, 0);
    await waitFor('the incident resolved', async () => (await stack.incidents.state(acme)).status === 'resolved', WAIT);
    const timeline = await waitFor('the resolutions in the ledger', async () => {
      const t = await stack.ledger.timeline(acme);
      return t.some((e) => e.kind === 'incident.resolved') && t;
    }, WAIT);
    const resolutions = timeline.filter((e) => e.kind === 'alert.resolved_by_source');
    // One per alert, each named by its fingerprint, however often Alertmanager re-sent them.
    expect(resolutions).toHaveLength(4);
    expect(new Set(resolutions.map((e) => (e.payload.member as { fingerprint: string }).fingerprint)).size).toBe(4);
    expect(resolutions.map((e) => e.payload.firing)).toEqual([3, 2, 1, 0]);
    expect(timeline.find((e) => e.kind === 'incident.resolved')).toMatchObject({ actor: { name: 'alertmanager' }, payload: { auto: true } });
    expect(await stack.incidents.state(acme)).toMatchObject({ resolvedBy: 'alertmanager', resolveNote: 'resolved by alertmanager: all 4 alerts of the group resolved' });
    expect(pagesOf(acme)).toBe(1);
  }, 60_000);

  it('lets nothing of a silenced alert reach Klaxon', async () => {
    const [suppressed] = (await (await fetch(`${alertmanagerUrl}/api/v2/alerts?filter=tenant%3D%22initech%22`)).json()) as Array<{ status: { state: string; silencedBy: string[] } }>;
    expect(suppressed.status).toMatchObject({ state: 'suppressed', silencedBy: [expect.any(String)] });
    expect(await incidentsOf('initech')).toEqual([]);
    expect(await alertmanagerCounter('alertmanager_notifications_failed_total')).toBe(0);
  });
});

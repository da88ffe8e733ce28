import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Child, freePort } from '../support/processes';
import { signKlaxon } from '../support/signing';
import { apiProcessEnv, postAlert, startTestStack, WEBHOOK_SECRET, type TestStack } from '../support/stack';
import { waitFor } from '../support/waiting';
import { dashboardExprs, RULES_FILE, ruleExprs } from '../support/deploy-files';

/**
 * Metrics as an operator scrapes them: an API process and a worker process as production runs
 * them, their `/metrics` checked by Debian's `promtool` and scraped by a real Prometheus
 * (`apt-get install prometheus`), with the counts of what the test did, and nothing personal
 * or identifying in any series.
 */
let stack: TestStack;
let apiUrl: string;
let workerUrl: string;
const TOKEN = 'metrics-token-integration';
const TENANT = 'acme-metrics-tenant';
const DEDUP_KEY = 'order-4711-leak';

beforeAll(async () => {
  stack = await startTestStack();
  const [apiPort, workerPort] = [await freePort(), await freePort()];
  const env = apiProcessEnv(stack, apiPort, {
    KLAXON_TASK_QUEUE: 'klaxon-metrics',
    DATABASE_URL: stack.db.url,
    SLACK_BOT_TOKEN: stack.slack.token,
    SLACK_API_URL: stack.slack.url,
    KLAXON_SLACK_CHANNEL: 'C0INCIDENTS',
    KLAXON_WORKER_HEALTH_PORT: String(workerPort),
    KLAXON_METRICS_TOKEN: TOKEN,
  });
  const api = Child.start(process.execPath, ['--import', 'tsx', 'client/api/main.ts'], env);
  const worker = Child.start(process.execPath, ['--import', 'tsx', 'worker/main.ts'], env);
  await Promise.all([api.waitForOutput('listening'), worker.waitForOutput('polling klaxon-metrics')]);
  apiUrl = `http://127.0.0.1:${apiPort}`;
  workerUrl = `http://127.0.0.1:${workerPort}`;
}, 180_000);
afterAll(() => stack?.stop());

const scrape = async (base: string): Promise<string> => {
  const res = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return res.text();
};

/** The value of one series (`name{labels}` exactly as exposed), or undefined. */
const sample = (text: string, series: string): number | undefined => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

const promtool = (exposition: string) =>
  new Promise<{ code: number; output: string }>((done) => {
    const child = execFile('promtool', ['check', 'metrics'], (err, stdout, stderr) => done({ code: err ? Number(err.code ?? 1) : 0, output: stdout + stderr }));
    child.stdin!.end(exposition);
  });

describe('Prometheus metrics', () => {
  let incidentId: string;

  it('count alerts, incidents, pages, acknowledgements and ledger appends, with bounded labels, in expositions promtool accepts', async () => {
    const body = JSON.stringify({ title: 'Invoices of one tenant in another\'s portal', severity: 'SEV2', tenant: TENANT, dedupKey: DEDUP_KEY, details: { email: 'jane.doe@example.com' } });
    const signed = { 'klaxon-signature': signKlaxon(WEBHOOK_SECRET, body) };
    const first = await postAlert(apiUrl, body, signed);
    expect(first.status).toBe(202);
    incidentId = first.body.incidentId as string;
    // The same key again (joins the incident), the same signed bytes again (a replay), a forgery.
    expect((await postAlert(apiUrl, body.replace('jane.doe', 'john.roe'))).body).toMatchObject({ incidentId, deduplicated: true });
    expect((await postAlert(apiUrl, body, signed)).body).toMatchObject({ incidentId, replayed: true });
    expect((await postAlert(apiUrl, body, { 'klaxon-signature': 't=1,v1=forged' })).status).toBe(401);

    await waitFor('the first page at Slack', () => stack.slack.callsOf('chat.postMessage').some((c) => JSON.stringify(c.args).includes(incidentId)), 60_000);
    await stack.incidents.change('acknowledge', incidentId, { responder: 'alice', via: 'cli' });

    // The worker counts from the ledger events it stores (written in batches each second).
    const worker = await waitFor('the acknowledgement measured', async () => {
      const text = await scrape(workerUrl);
      return sample(text, 'klaxon_time_to_acknowledge_seconds_count{severity="SEV2"}') === 1 ? text : undefined;
    }, 30_000);
    expect(sample(worker, 'klaxon_incidents_opened_total{severity="SEV2"}')).toBe(1);
    expect(sample(worker, 'klaxon_notifications_total{channel="slack",outcome="sent"}')).toBeGreaterThanOrEqual(1);
    expect(sample(worker, 'klaxon_alert_to_first_page_seconds_count{severity="SEV2"}')).toBe(1);
    expect(sample(worker, 'klaxon_alert_to_first_page_seconds_bucket{le="60",severity="SEV2"}')).toBe(1);
    expect(sample(worker, 'klaxon_ledger_append_seconds_count{outcome="stored"}')).toBeGreaterThan(3);
    // The Temporal SDK's own, through the Core runtime's exporter: polls, schedule-to-start, sticky cache.
    expect(sample(worker, 'klaxon_sdk_metrics_up')).toBe(1);
    expect(worker).toMatch(/^temporal_workflow_task_schedule_to_start_latency_seconds_count\{/m);
    expect(worker).toMatch(/^temporal_sticky_cache_hit_total\{/m);

    const api = await waitFor('visibility to count the open incident', async () => {
      const text = await scrape(apiUrl);
      return sample(text, 'klaxon_open_incidents{severity="SEV2"}') === 1 ? text : undefined;
    }, 45_000);
    expect(sample(api, 'klaxon_alerts_received_total{source="generic",outcome="opened"}')).toBe(1);
    expect(sample(api, 'klaxon_alerts_received_total{source="generic",outcome="joined"}')).toBe(1);
    expect(sample(api, 'klaxon_alerts_received_total{source="generic",outcome="replayed"}')).toBe(1);
    expect(sample(api, 'klaxon_alerts_received_total{source="generic",outcome="refused"}')).toBe(1);
    expect(sample(api, 'klaxon_http_request_duration_seconds_count{method="POST",route="/v1/alerts/:param",status="202"}')).toBe(3);
    expect(sample(api, 'klaxon_http_request_duration_seconds_count{method="POST",route="/v1/alerts/:param",status="401"}')).toBe(1);
    expect(sample(api, 'klaxon_alert_last_received_timestamp_seconds{source="generic"}')).toBeGreaterThan(Date.now() / 1000 - 120);
    expect(sample(api, 'klaxon_open_incidents{severity="SEV1"}')).toBe(0);

    for (const text of [api, worker]) {
      // Nothing that names the incident, its tenant, its key or a person reaches a series.
      for (const secret of [incidentId, TENANT, DEDUP_KEY, 'jane.doe', 'john.roe', 'U0ALICE', TOKEN]) expect(text).not.toContain(secret);
      expect(await promtool(text)).toEqual({ code: 0, output: '' });
    }
  });

  it('refuse a scrape without the operator\'s token, and are scraped by a real Prometheus that has it', async () => {
    for (const base of [apiUrl, workerUrl]) {
      const refused = await fetch(`${base}/metrics`, { headers: { authorization: 'Bearer wrong' } });
      expect(refused.status).toBe(401);
      expect(await refused.json()).toEqual({ error: '/metrics needs the bearer token the operator configured (KLAXON_METRICS_TOKEN)' });
    }
    const dir = mkdtempSync(join(tmpdir(), 'klaxon-prometheus-'));
    const port = await freePort();
    const target = (url: string) => url.replace('http://', '');
    writeFileSync(
      join(dir, 'prometheus.yml'),
      JSON.stringify({
        global: { scrape_interval: '1s', evaluation_interval: '1s' },
        rule_files: [RULES_FILE],
        scrape_configs: [
          { job_name: 'klaxon-api', authorization: { credentials: TOKEN }, static_configs: [{ targets: [target(apiUrl)] }] },
          { job_name: 'klaxon-worker', authorization: { credentials: TOKEN }, static_configs: [{ targets: [target(workerUrl)] }] },
        ],
      }),
    );
    const prometheus = Child.start('prometheus', [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`], process.env);
    const query = async (expr: string) => {
      const res = (await (await fetch(`http://127.0.0.1:${port}/api/v1/query?query=${encodeURIComponent(expr)}`)).json()) as { data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> } };
      return res.data.result;
    };
    const up = await waitFor('Prometheus to scrape both', async () => {
      const r = await query('up').catch(() => []);
      return r.length === 2 && r.every((s) => s.value[1] === '1') ? r : undefined;
    }, 60_000).catch((err: Error) => {
      throw new Error(`${err.message}\n${prometheus.output}`);
    });
    expect(up.map((s) => s.metric.job).sort()).toEqual(['klaxon-api', 'klaxon-worker']);
    expect(await query('sum(klaxon_alerts_received_total{outcome="opened"})')).toEqual([expect.objectContaining({ value: [expect.any(Number), '1'] })]);
    expect(await query('klaxon_incidents_opened_total')).toEqual([expect.objectContaining({ metric: expect.objectContaining({ job: 'klaxon-worker', severity: 'SEV2' }), value: [expect.any(Number), '1'] })]);
    // What deploy/ ships reads these series: every rule loads and evaluates, every panel's query runs.
    const rules = await waitFor('the alert rules evaluated', async () => {
      const r = (await (await fetch(`http://127.0.0.1:${port}/api/v1/rules`)).json()) as { data: { groups: Array<{ rules: Array<{ name: string; health: string; lastError?: string }> }> } };
      const all = r.data.groups.flatMap((g) => g.rules);
      return all.length && all.every((rule) => rule.health !== 'unknown') ? all : undefined;
    }, 30_000);
    expect(rules.filter((r) => r.health !== 'ok')).toEqual([]);
    expect(rules).toHaveLength(ruleExprs().length);
    for (const expr of dashboardExprs()) {
      const answer = (await (await fetch(`http://127.0.0.1:${port}/api/v1/query?query=${encodeURIComponent(expr)}`)).json()) as { status: string; error?: string };
      expect({ expr, ...answer, data: undefined }).toEqual({ expr, status: 'success', data: undefined });
    }
    await prometheus.stop();
  });
});

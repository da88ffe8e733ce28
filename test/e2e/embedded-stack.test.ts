import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { Child, isolatedStackEnv, klaxon, ROOT } from '../support/processes';
import { signKlaxon } from '../support/signing';
import { track } from '../support/teardown';
import { waitFor } from '../support/waiting';

/**
 * `npm start` as a newcomer runs it: the embedded stack in a child process (Temporal dev server,
 * PGlite ledger, worker, API), driven with the `klaxon` CLI, stopped with Ctrl-C (SIGINT) and
 * started again on the same data directory.
 */
let dataDir: string;
let env: NodeJS.ProcessEnv;
let stack: Child | undefined;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'klaxon-e2e-'));
  env = {
    ...(await isolatedStackEnv(dataDir)),
    // Six seconds a level, so an escalation timer can be seen firing across a restart.
    KLAXON_ESCALATION_MINUTES: '0.1',
    KLAXON_WEBHOOK_SECRET: '',
    SLACK_BOT_TOKEN: '',
    TZ: 'UTC',
  };
});

afterAll(async () => {
  if (stack && stack.process.exitCode === null) {
    stack.process.kill('SIGINT');
    await stack.exited;
  }
  rmSync(dataDir, { recursive: true, force: true });
});

async function startStack(): Promise<Child> {
  stack = Child.start(process.execPath, [join(ROOT, 'node_modules/tsx/dist/cli.mjs'), 'scripts/start.ts'], env);
  await stack.waitForOutput('Klaxon is running');
  return stack;
}

/** Ctrl-C; `twice`: pressed again while the stack stops, which must not cut the stop short. */
async function stopStack(twice = false): Promise<void> {
  stack!.process.kill('SIGINT');
  if (twice) setTimeout(() => stack!.process.kill('SIGINT'), 300);
  expect(await stack!.exited).toBe(0);
  expect(existsSync(join(dataDir, 'stack.json'))).toBe(false);
}

const pages = () => (existsSync(join(dataDir, 'outbox/slack')) ? readdirSync(join(dataDir, 'outbox/slack')).filter((f) => f.endsWith('.json')) : []);
const json = async (args: string[]) => JSON.parse((await klaxon([...args, '--json'], env)).stdout);

describe('the embedded stack (npm start)', () => {
  it('prints where it listens and where its generated secrets are kept (never the secrets), and takes a test alert through to the ledger', async () => {
    const first = await startStack();
    expect(first.output).toContain(`API             http://127.0.0.1:${env.PORT}`);
    expect(first.output).toContain(`Webhook secret  in ${join(dataDir, 'webhook-secret')}`);
    expect(first.output).toContain(`password in ${join(dataDir, 'ledger-password')}`);
    const webhookSecret = readFileSync(join(dataDir, 'webhook-secret'), 'utf8').trim();
    const ledgerPassword = readFileSync(join(dataDir, 'ledger-password'), 'utf8').trim();
    expect(webhookSecret).toMatch(/^whsec_[0-9a-f]{48}$/);
    expect(first.output).not.toContain(webhookSecret);
    expect(first.output).not.toContain(ledgerPassword);
    expect(first.output).toContain('npx klaxon alert test');

    // The ledger's PGlite server takes only its own processes' logins.
    const ledger = (password: string) => new Client({ connectionString: `postgres://postgres${password}@127.0.0.1:${env.KLAXON_PGLITE_PORT}/postgres` });
    await expect(ledger('').connect()).rejects.toThrow();
    await expect(ledger(':guess').connect()).rejects.toThrow('password authentication failed');

    const accepted = await json(['alert', 'test', '--page', '--dedup-key', 'e2e-acked']);
    expect(accepted.deduplicated).toBe(false);
    const id = accepted.incidentId as string;
    await waitFor('the page in the outbox', () => pages().some((f) => f.startsWith(id)));

    expect(await json(['ack', id, '--as', 'primary'])).toMatchObject({ acknowledgedBy: 'primary' });
    const shown = await waitFor('the acknowledgement in the ledger', async () => {
      const s = await json(['incidents', 'show', id]);
      return s.timeline.some((e: { kind: string }) => e.kind === 'incident.acknowledged') && s;
    });
    expect(shown.state.status).toBe('acknowledged');
    expect(shown.timeline.map((e: { kind: string }) => e.kind)).toEqual(['incident.opened', 'alert.received', 'responder.paged', 'incident.acknowledged']);
    // Read after the acknowledgement (a CLI run takes seconds, the ladder's timer is short): the
    // API opened it with the start alone, the path that asks for eager start (which
    // test/integration/eager-start.test.ts checks), not signal-with-start: no signal repeats the alert.
    const [run] = (await json(['incidents', 'history', id])).runs;
    const types: string[] = run.history.events.map((e: { eventType: string }) => e.eventType);
    expect(types.slice(0, 3)).toEqual(['EVENT_TYPE_WORKFLOW_EXECUTION_STARTED', 'EVENT_TYPE_WORKFLOW_TASK_SCHEDULED', 'EVENT_TYPE_WORKFLOW_TASK_STARTED']);
    expect(types).not.toContain('EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED');

    // One scrape serves the API's metrics, the worker's (same process) and the Temporal SDK's.
    const api = `http://127.0.0.1:${env.PORT}`;
    expect(first.output).toContain(`Metrics         ${api}/metrics`);
    expect((await fetch(`${api}/readyz`)).status).toBe(200);
    const metrics = await (await fetch(`${api}/metrics`)).text();
    expect(metrics).toMatch(/^klaxon_alerts_received_total\{source="generic",outcome="opened"\} 1$/m);
    expect(metrics).toMatch(/^klaxon_time_to_acknowledge_seconds_count\{severity="SEV\d"\} 1$/m);
    expect(metrics).toMatch(/^klaxon_sdk_metrics_up 1$/m);
    expect(metrics).toMatch(/^temporal_sticky_cache_hit_total\{/m);
    expect(metrics).not.toContain(id);
  });

  it('holds an alert back during a maintenance window, and posts what it held when the window ends', async () => {
    const { window } = await json(['maintenance', 'start', '--tenant', 'demo', '--minutes', '30', '--reason', 'e2e: moving the demo database', '--as', 'primary']);
    const held = await json(['alert', 'test', '--page', '--dedup-key', 'e2e-held']);
    expect(held).toEqual({ incidentId: null, held: { window: window.id, until: window.until } });
    const { ended } = await json(['maintenance', 'end', window.id, '--as', 'primary']);
    expect(ended).toMatchObject({ id: window.id, endedBy: 'primary', expired: false, held: 1, bypassed: 0, summary: { channel: expect.any(String) } });
    const summary = JSON.parse(readFileSync(join(dataDir, 'outbox/slack', `maintenance-demo_${window.id}_summary.json`), 'utf8'));
    expect(summary.text).toBe('Maintenance over (tenant demo): 1 alert(s) held back');
    expect(JSON.stringify(summary.blocks)).toContain('1 × SEV2 from generic');
  });

  it('stops on Ctrl-C and, started again, resumes open incidents whose timers still fire, and knows a replay of what it took before', async () => {
    const { incidentId } = await json(['alert', 'test', '--page', '--dedup-key', 'e2e-open']);
    // A signed delivery taken before the stop, sent again byte for byte after the restart.
    const body = JSON.stringify({ title: 'Taken before the restart', severity: 'SEV4', tenant: 'demo', dedupKey: 'e2e-replayed' });
    const signature = signKlaxon(readFileSync(join(dataDir, 'webhook-secret'), 'utf8').trim(), body);
    const deliver = async () => {
      const res = await fetch(`http://127.0.0.1:${env.PORT}/v1/alerts/generic`, { method: 'POST', headers: { 'content-type': 'application/json', 'klaxon-signature': signature }, body });
      return { status: res.status, body: (await res.json()) as { incidentId: string } };
    };
    const taken = await deliver();
    expect(taken).toEqual({ status: 202, body: { incidentId: expect.any(String), deduplicated: false } });
    await waitFor('the level-1 page', () => pages().some((f) => f.startsWith(incidentId) && f.includes('1.1.primary')));
    // Level 1 began before its page was seen, so it times out (6 s) by then + 6 s at the latest.
    const levelOneOver = performance.now() + 6_500;
    await stopStack();
    const escalated = () => pages().some((f) => f.startsWith(incidentId) && f.includes('1.2.secondary'));
    expect(escalated()).toBe(false);
    // The level times out while nothing runs: the stop itself took part of those seconds.
    const down = new Promise((r) => setTimeout(r, Math.max(0, levelOneOver - performance.now())));
    // Meanwhile the CLI says at once that Klaxon is down, and how to start it.
    const asked = performance.now();
    const refused = await klaxon(['incidents', 'list'], { ...env, TEMPORAL_ADDRESS: `127.0.0.1:${env.KLAXON_TEMPORAL_PORT}` }).catch((e: { code: number; stderr: string }) => e);
    expect(performance.now() - asked).toBeLessThan(5_000);
    expect(refused).toMatchObject({ code: 1, stderr: expect.stringContaining(`cannot reach Temporal at 127.0.0.1:${env.KLAXON_TEMPORAL_PORT} (nothing listens there).\nIs Klaxon running? Start it with \`npm start\``) });
    await down;
    expect(escalated()).toBe(false);

    await startStack();
    expect(await deliver()).toEqual({ status: 202, body: { incidentId: taken.body.incidentId, deduplicated: true, replayed: true } });
    await waitFor('the level-2 page after the restart', escalated);
    // Two reads, each its own CLI process: side by side.
    const [list, human] = await Promise.all([json(['incidents', 'list']), klaxon(['incidents', 'show', incidentId, '--tz', 'America/New_York'], env).then((r) => r.stdout)]);
    expect(list.map((r: { incidentId: string }) => r.incidentId)).toEqual(expect.arrayContaining([incidentId]));
    expect(human).toMatch(/-05:00 \(America\/New_York\)\s+escalated to level 2/);
    // When the next step comes, in the reader's zone and the paged responder's.
    expect(human).toMatch(/Next step:\s+escalate to level \d( \(pass \d\))? at \S+ \S+ -05:00 \(America\/New_York\)\n\s+primary: \S+ \S+ \+00:00 \(UTC\)/);
    expect(await json(['resolve', incidentId, '--as', 'secondary', '--note', 'false alarm'])).toMatchObject({ resolvedBy: 'secondary' });
    await stopStack(true);
  });

  it('stops within 10 s of Ctrl-C while an activity hangs on a Slack that never answers, Temporal included', async () => {
    const calls: string[] = [];
    const silentSlack = track(
      createServer((req: IncomingMessage) => calls.push(req.url ?? '')),
      (s) => {
        s.closeAllConnections();
        return new Promise((ok) => s.close(ok));
      },
    );
    await new Promise<void>((ok) => silentSlack.listen(0, '127.0.0.1', ok));
    const slackEnv = { SLACK_BOT_TOKEN: 'xoxb-silent', SLACK_API_URL: `http://127.0.0.1:${(silentSlack.address() as AddressInfo).port}/api/`, KLAXON_SLACK_CHANNEL: 'C0INCIDENTS' };
    env = { ...env, ...slackEnv };
    await startStack();
    await json(['alert', 'test', '--page', '--dedup-key', 'e2e-hung-slack']);
    await waitFor('the page stuck on Slack', () => calls.length > 0);

    const asked = performance.now();
    stack!.process.kill('SIGINT');
    expect(await stack!.exited).toBe(0);
    expect(performance.now() - asked).toBeLessThan(10_000);
    const probe = connect(Number(env.KLAXON_TEMPORAL_PORT), '127.0.0.1');
    const temporalAnswers = await new Promise<boolean>((ok) => probe.once('connect', () => ok(true)).once('error', () => ok(false)));
    probe.destroy();
    expect(temporalAnswers).toBe(false);
  });
});

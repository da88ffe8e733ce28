import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { klaxonSignatureHeader } from '../core/shared/signature';
import type { EmbeddedStack } from '../scripts/embedded-stack';
import { Child, freePort } from '../test/support/processes';
import { percentile } from './percentile';
import { startStackWithSlack } from './stack-with-slack';
import { runBench } from './run-bench';

/**
 * Alert storms on the embedded stack, each many distinct deliveries of one alert key sent at an
 * even pace (at most 400 requests open at once, as a fleet of senders), each for a key of its own:
 * - fast: 10,000 alerts in 10 s (1,000/s);
 * - slow: 500 alerts in 10 s (50/s);
 * - slow over two API replicas: the same, alternating between two API processes of the
 *   production shape (client/api/main.ts) on the stack's database, which share their coalescing
 *   windows there (ledger/intake-windows.ts), as replicas behind a load balancer.
 * All run on one stack, the slow ones first, and print side by side: the API's answer times
 * (p50/p99), incidents created, alerts counted, and the incident's history: its length, and the
 * signals, workflow tasks, ledger activities and timers in it. A storm's history should depend on
 * how long it lasts, not on how many alerts it holds.
 * BENCH_STORM_ALERTS=<n> runs a single storm of n alerts in 10 s instead.
 *   npx tsx bench/storm.ts
 */
const SECONDS = 10;
const MAX_OPEN = 400;
const SECRET = 'whsec_bench';
const { EventType } = temporal.api.enums.v1;

interface StormFigures {
  shape: string;
  alerts: number;
  took: number;
  accepted: number;
  other: number;
  p50: number;
  p99: number;
  max: number;
  incidents: number;
  counted: number;
  events: number;
  signals: number;
  workflowTasks: number;
  ledgerWrites: number;
  timers: number;
}

async function storm(apiUrls: string[], client: Client, shape: string, alerts: number): Promise<StormFigures> {
  const dedupKey = `storm-${shape}-${Date.now()}`;
  const answers: Array<{ status: number; ms: number; incidentId?: string }> = [];
  let open = 0;
  const send = async (i: number) => {
    const body = JSON.stringify({ title: 'Spike of 403 on /admin/users', severity: 'SEV2', tenant: 'bench', dedupKey, details: { seq: i } });
    const t0 = performance.now();
    open += 1;
    try {
      const res = await fetch(`${apiUrls[i % apiUrls.length]}/v1/alerts/generic`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'klaxon-signature': klaxonSignatureHeader(SECRET, body, Math.floor(Date.now() / 1000)) },
        body,
      });
      const answer = (await res.json()) as { incidentId?: string };
      answers.push({ status: res.status, ms: performance.now() - t0, incidentId: answer.incidentId });
    } catch {
      answers.push({ status: 0, ms: performance.now() - t0 });
    } finally {
      open -= 1;
    }
  };

  const started = performance.now();
  const inFlight: Array<Promise<void>> = [];
  for (let i = 0; i < alerts; i++) {
    // Even pace: alert i leaves at i × (10 s / alerts), later only when MAX_OPEN are waiting.
    const due = started + (i * SECONDS * 1000) / alerts;
    while (performance.now() < due || open >= MAX_OPEN) await new Promise((r) => setTimeout(r, 1));
    inFlight.push(send(i));
  }
  await Promise.all(inFlight);
  const took = (performance.now() - started) / 1000;

  const ids = new Set(answers.filter((a) => a.status === 202).map((a) => a.incidentId));
  const handle = client.workflow.getHandle([...ids][0]!);
  const deadline = Date.now() + 120_000;
  let counted = 0;
  while (Date.now() < deadline) {
    counted = ((await handle.query('state')) as { alertCount: number }).alertCount;
    if (counted >= alerts) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  // The ledger's last paced write of the storm lands up to a second after the last alert.
  await new Promise((r) => setTimeout(r, 2000));
  const events = (await handle.fetchHistory()).events ?? [];
  const times = answers.map((a) => a.ms).sort((a, b) => a - b);
  const of = (type: number) => events.filter((e) => e.eventType === type).length;
  return {
    shape,
    alerts,
    took,
    accepted: answers.filter((a) => a.status === 202).length,
    other: answers.filter((a) => a.status !== 202).length,
    p50: percentile(times, 50),
    p99: percentile(times, 99),
    max: times.at(-1)!,
    incidents: ids.size,
    counted,
    events: events.length,
    signals: of(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED),
    workflowTasks: of(EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED),
    ledgerWrites: events.filter((e) => /^appendLedgerEvents$/.test(e.activityTaskScheduledEventAttributes?.activityType?.name ?? '')).length,
    timers: of(EventType.EVENT_TYPE_TIMER_STARTED),
  };
}

function print(figures: StormFigures[]): void {
  const rows: Array<[string, (f: StormFigures) => string]> = [
    ['alerts sent', (f) => `${f.alerts} in ${f.took.toFixed(1)} s (${(f.alerts / f.took).toFixed(0)}/s)`],
    ['answered 202 / other', (f) => `${f.accepted} / ${f.other}`],
    ['API p50 / p99 / max', (f) => `${f.p50.toFixed(1)} / ${f.p99.toFixed(1)} / ${f.max.toFixed(1)} ms`],
    ['incidents / alerts counted', (f) => `${f.incidents} / ${f.counted}`],
    ['history events', (f) => String(f.events)],
    ['  signals', (f) => String(f.signals)],
    ['  workflow tasks', (f) => String(f.workflowTasks)],
    ['  ledger writes (activities)', (f) => String(f.ledgerWrites)],
    ['  timers', (f) => String(f.timers)],
  ];
  console.log(`\n${'storm'.padEnd(30)}${figures.map((f) => f.shape.padStart(30)).join('')}`);
  for (const [label, value] of rows) console.log(`${label.padEnd(30)}${figures.map((f) => value(f).padStart(30)).join('')}`);
}

async function main(): Promise<void> {
  const bench = await startStackWithSlack({ KLAXON_WEBHOOK_SECRET: SECRET });
  const connection = await Connection.connect({ address: bench.stack.temporalAddress });
  const client = new Client({ connection });
  try {
    const single = Number(process.env.BENCH_STORM_ALERTS || 0);
    const figures: StormFigures[] = [];
    if (single) figures.push(await storm([bench.stack.apiUrl], client, `${single} alerts`, single));
    else {
      figures.push(await storm([bench.stack.apiUrl], client, 'slow (50/s)', 500));
      figures.push(await withReplicas(bench.stack, 2, (urls) => storm(urls, client, 'slow, 2 API replicas', 500)));
      figures.push(await storm([bench.stack.apiUrl], client, 'fast (1,000/s)', 10_000));
    }
    print(figures);
  } finally {
    await connection.close();
    await bench.stop();
  }
}

/** Runs `work` with `count` API processes of the production shape beside the stack, on its Temporal server and database. */
async function withReplicas<T>(stack: EmbeddedStack, count: number, work: (urls: string[]) => Promise<T>): Promise<T> {
  const dataDir = mkdtempSync(join(tmpdir(), 'klaxon-bench-replicas-'));
  const replicas: Child[] = [];
  try {
    const urls: string[] = [];
    for (let i = 0; i < count; i++) {
      const port = await freePort();
      const env = { ...process.env, PORT: String(port), KLAXON_DATA_DIR: dataDir, TEMPORAL_ADDRESS: stack.temporalAddress, KLAXON_TASK_QUEUE: stack.config.temporal.taskQueue, DATABASE_URL: stack.databaseUrl, KLAXON_WEBHOOK_SECRET: SECRET };
      replicas.push(Child.start(process.execPath, ['--import', 'tsx', 'client/api/main.ts'], env));
      urls.push(`http://127.0.0.1:${port}`);
    }
    await Promise.all(replicas.map((r) => r.waitForOutput('listening')));
    return await work(urls);
  } finally {
    await Promise.all(replicas.map((r) => r.stop()));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

runBench(main);

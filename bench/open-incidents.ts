import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { Pool } from 'pg';
import { Incidents } from '../client/incidents';
import type { Alert } from '../core/alerts/alert';
import { loadConfig } from '../config/environment';
import { startDevServer } from '../scripts/dev-server';
import { findTemporalBinary } from '../scripts/temporal-binaries';
import { Child, freePort } from '../test/support/processes';
import { SlackStandIn } from '../test/support/slack-stand-in';
import { percentile } from './percentile';
import { runBench } from './run-bench';

/**
 * As many open incidents as one worker holds: BENCH_INCIDENTS (10,000) SEV2 incidents with
 * personal data are opened (signal-with-start, as the API does) against one worker process,
 * each paging level 1 in Slack and starting GDPR's 72-hour clock (reminder and deadline timers
 * pending). Level 1 times out BENCH_LEVEL_MINUTES after its page, so the escalation timers of
 * all incidents fire after the last one opened, at the pace they were started. Printed: the
 * worker's and the Temporal server's memory (RSS, sampled every second), and timer lateness:
 * when each escalation timer fired against when it was due (server), and when the worker
 * handled it (its next workflow task), from every incident's history.
 *   npx tsx bench/open-incidents.ts    (BENCH_INCIDENTS=10000 BENCH_LEVEL_MINUTES=10; PostgreSQL at TEST_DATABASE_URL's server)
 */
const INCIDENTS = Number(process.env.BENCH_INCIDENTS || 10_000);
const LEVEL_MINUTES = Number(process.env.BENCH_LEVEL_MINUTES || 10);
const CONCURRENCY = 20;
const PG = process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const { EventType } = temporal.api.enums.v1;

const POLICY = `
name: bench-open-incidents
responders:
  - { name: alice, slackUserId: U0ALICE, timeZone: Europe/Berlin }
  - { name: bob, slackUserId: U0BOB, timeZone: America/New_York }
levels:
  - { targets: [alice], timeoutMinutes: ${LEVEL_MINUTES} }
  - { targets: [bob], timeoutMinutes: 600 }
regulatory:
  awareOn: { severity: [SEV2], dataCategories: [personal-data] }
`;

const rssMb = (pid: number): number => {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
};
const ms = (t: temporal.api.history.v1.IHistoryEvent) => Number(t.eventTime!.seconds) * 1000 + Math.floor((t.eventTime!.nanos ?? 0) / 1e6);

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'klaxon-bench-open-'));
  const database = `klaxon_bench_${process.pid}`;
  const admin = new Pool({ connectionString: PG, max: 1 });
  await admin.query(`CREATE DATABASE ${database}`);
  const databaseUrl = Object.assign(new URL(PG), { pathname: `/${database}` }).toString();
  const slack = new SlackStandIn('xoxb-bench');
  await slack.start();
  const server = await startDevServer(findTemporalBinary('cli'), { dbFile: join(dir, 'temporal.db'), port: await freePort(), uiPort: await freePort() });
  writeFileSync(join(dir, 'policy.yaml'), POLICY);
  const env = {
    ...process.env,
    TEMPORAL_ADDRESS: server.address,
    KLAXON_TASK_QUEUE: 'klaxon-bench',
    DATABASE_URL: databaseUrl,
    SLACK_BOT_TOKEN: slack.token,
    SLACK_API_URL: slack.url,
    KLAXON_SLACK_CHANNEL: 'C0BENCH',
    KLAXON_POLICY_FILE: join(dir, 'policy.yaml'),
    KLAXON_WEBHOOK_SECRET: 'whsec_bench',
  };
  const worker = Child.start(process.execPath, ['--import', 'tsx', 'worker/main.ts'], env);
  const memory = { worker: 0, server: 0 };
  const sampler = setInterval(() => {
    memory.worker = Math.max(memory.worker, rssMb(worker.process.pid!));
    memory.server = Math.max(memory.server, rssMb(server.process.pid!));
  }, 1000);
  try {
    await worker.waitForOutput('"msg":"polling ');
    const config = loadConfig(env, (path) => readFileSync(path, 'utf8'));
    const connection = await Connection.connect({ address: server.address });
    const client = new Client({ connection });
    const incidents = new Incidents(client, config.temporal.taskQueue);
    const policy = config.policies.policies[0];

    const startedAt = Date.now();
    const ids: string[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        for (let i = next++; i < INCIDENTS; i = next++) {
          const alert: Alert = {
            source: 'generic', title: `Open incident ${i}`, severity: 'SEV2', dedupKey: `open-${i}`, tenant: 'bench', dataCategories: ['personal-data'], details: {},
            deliveryId: `open-${i}`, receivedAt: new Date().toISOString(),
            // An EU customer's personal data: GDPR Art. 33 applies, its clock starts on detection (awareOn).
            classification: { service: 'web', surfaces: ['api'], jurisdictions: ['EU'], rule: 'bench' },
          };
          ids.push((await incidents.open([alert], policy)).incidentId);
        }
      }),
    );
    const opened = (Date.now() - startedAt) / 1000;
    console.log(`opened ${INCIDENTS} incidents in ${opened.toFixed(0)} s (${(INCIDENTS / opened).toFixed(0)}/s)`);
    const pages = (user: string) => [...slack.messages.values()].filter((m) => m.text.includes(`<@${user}>`) && !m.thread_ts).length;
    const waitForPages = async (user: string, what: string) => {
      while (pages(user) < INCIDENTS) {
        await new Promise((r) => setTimeout(r, 2000));
        console.log(`  ${what}: ${pages(user)} of ${INCIDENTS}; worker RSS ${rssMb(worker.process.pid!).toFixed(0)} MB`);
      }
    };
    await waitForPages('U0ALICE', 'level 1 pages');
    const openCount = (await client.workflow.count(`WorkflowType = 'incident' AND ExecutionStatus = 'Running'`)).count;
    console.log(`all level 1 pages sent after ${((Date.now() - startedAt) / 1000).toFixed(0)} s (target for 1,000: 60 s); ${openCount} incidents running; worker RSS ${rssMb(worker.process.pid!).toFixed(0)} MB, server RSS ${rssMb(server.process.pid!).toFixed(0)} MB`);
    await waitForPages('U0BOB', 'level 2 pages (escalation timers fired)');

    // Lateness from each incident's history: its first timer is level 1's escalation.
    const fired: number[] = [];
    const handled: number[] = [];
    let read = 0;
    let unmatched = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        for (let i = read++; i < ids.length; i = read++) {
          const events = (await client.workflow.getHandle(ids[i]).fetchHistory()).events ?? [];
          // Level 1's timer: the level's deadline counts from the page, so it runs at most the
          // level's length (the ledger's pacing timers run under a second, the legal clocks' hours).
          const timer = events.find((e) => {
            const seconds = Number(e.timerStartedEventAttributes?.startToFireTimeout?.seconds ?? 0);
            return e.eventType === EventType.EVENT_TYPE_TIMER_STARTED && seconds >= 1 && seconds <= LEVEL_MINUTES * 60;
          });
          if (!timer) {
            unmatched += 1;
            continue;
          }
          const timerId = timer.timerStartedEventAttributes!.timerId;
          const fire = events.find((e) => e.eventType === EventType.EVENT_TYPE_TIMER_FIRED && e.timerFiredEventAttributes!.timerId === timerId)!;
          const due = ms(timer) + Number(timer.timerStartedEventAttributes!.startToFireTimeout!.seconds) * 1000 + Math.floor((timer.timerStartedEventAttributes!.startToFireTimeout!.nanos ?? 0) / 1e6);
          const task = events.slice(events.indexOf(fire)).find((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED)!;
          fired.push(ms(fire) - due);
          handled.push(ms(task) - due);
        }
      }),
    );
    const show = (name: string, xs: number[]) => {
      const s = [...xs].sort((a, b) => a - b);
      console.log(`${name}: p50 ${percentile(s, 50)} ms, p99 ${percentile(s, 99)} ms, max ${s.at(-1)} ms (${s.length} timers)`);
    };
    console.log(`${INCIDENTS} open incidents, each with escalation and GDPR timers pending:`);
    console.log(`  peak RSS: worker ${memory.worker.toFixed(0)} MB (target for 10,000: under 1.5 GB), Temporal dev server ${memory.server.toFixed(0)} MB`);
    show('  escalation timer fired (server) after it was due', fired);
    show('  escalation handled by the worker after it was due (target: p99 under 1,000 ms)', handled);
    if (unmatched) console.log(`  ${unmatched} incidents had no escalation timer in their history`);
    await connection.close();
  } finally {
    clearInterval(sampler);
    worker.process.kill('SIGTERM');
    await worker.exited;
    await server.stop();
    await slack.stop();
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.end();
    rmSync(dir, { recursive: true, force: true });
  }
}

runBench(main);

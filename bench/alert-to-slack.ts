import { WebClient } from '@slack/web-api';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import type { SlackCall, SlackStandIn } from '../test/support/slack-stand-in';
import { floor } from './floor/workflow';
import { printProfile, segmentsOf, type Segments } from './latency-profile';
import { pageOnce } from './page-once';
import { percentile } from './percentile';
import { startStackWithSlack } from './stack-with-slack';
import { runBench } from './run-bench';

/**
 * Time from an alert POST to the Slack stand-in receiving the incident message, on the
 * embedded stack (dev server, PGlite ledger, worker and API in one process), side by side with
 * the floor: a workflow that does nothing but run one activity posting to the same Slack
 * stand-in, started by a client on the same server (bench/floor/), its first workflow task
 * taken from the task queue. Beside them the same floor started eagerly, as the embedded
 * stack's API starts a new incident (client/incidents.ts): what is left is Klaxon's own work.
 * The three alternate, each 50 ms after the last one's message, so all meet the same server,
 * with as many incidents open, at the same moment. Then, from every run's history, where the
 * time went (bench/latency-profile.ts).
 *   npx tsx bench/alert-to-slack.ts            (BENCH_ALERTS=200 by default; BENCH_ALERTS=1000 for issue 24's figure)
 */
const ALERTS = Number(process.env.BENCH_ALERTS || 200);
const WARMUP = 3;
const SECRET = 'whsec_bench';

interface Run {
  total: number;
  workflowId: string;
  requestAt: number;
  receivedAt: number;
}

async function main(): Promise<void> {
  const bench = await startStackWithSlack({ KLAXON_WEBHOOK_SECRET: SECRET });
  const { stack, slack } = bench;
  const connection = await Connection.connect({ address: stack.temporalAddress });
  const client = new Client({ connection });
  const klaxon: Run[] = [];
  const to202: number[] = [];
  const floorRuns: Run[] = [];
  const eagerFloorRuns: Run[] = [];
  try {
    await withFloorWorker(stack.temporalAddress, slack, async (postFloor) => {
      for (let i = 0; i < WARMUP + ALERTS; i++) {
        const page = await pageOnce(stack.apiUrl, slack, SECRET, i);
        await new Promise((r) => setTimeout(r, 50));
        const f = await postFloor(client, i, { eager: false });
        await new Promise((r) => setTimeout(r, 50));
        const e = await postFloor(client, i, { eager: true });
        if (i >= WARMUP) {
          klaxon.push({ total: page.toSlack, workflowId: page.incidentId, requestAt: page.requestAt, receivedAt: page.receivedAt });
          to202.push(page.to202);
          if (f) floorRuns.push(f);
          if (e) eagerFloorRuns.push(e);
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    });
    const profile = async (runs: Run[]) =>
      (await Promise.all(runs.map(async (r) => segmentsOf((await client.workflow.getHandle(r.workflowId).fetchHistory()).events ?? [], r.requestAt, r.receivedAt)))).filter((s): s is Segments => s !== undefined);
    const [klaxonSegments, floorSegments, eagerFloorSegments] = [await profile(klaxon), await profile(floorRuns), await profile(eagerFloorRuns)];

    const fmt = (xs: number[]) => {
      const s = [...xs].sort((a, b) => a - b);
      return `median ${percentile(s, 50).toFixed(1)} ms, p95 ${percentile(s, 95).toFixed(1)} ms, p99 ${percentile(s, 99).toFixed(1)} ms, min ${s[0].toFixed(1)} ms, max ${s.at(-1)!.toFixed(1)} ms`;
    };
    const p = (runs: Run[], q: number) => percentile(runs.map((r) => r.total).sort((a, b) => a - b), q);
    console.log(`alert POST → Slack stand-in receives the page (${ALERTS} alerts, embedded stack): ${fmt(klaxon.map((r) => r.total))}`);
    console.log(`alert POST → 202 answered                       (${ALERTS} alerts, embedded stack): ${fmt(to202)}`);
    console.log(`floor: workflow start → its one activity posts to Slack (${ALERTS} workflows, same server, alternating): ${fmt(floorRuns.map((r) => r.total))}`);
    console.log(`floor started eagerly: workflow start → its one activity posts to Slack (${ALERTS} workflows, same server, alternating): ${fmt(eagerFloorRuns.map((r) => r.total))}`);
    console.log(`Klaxon ÷ floor: p50 ${(p(klaxon, 50) / p(floorRuns, 50)).toFixed(2)} ×, p99 ${(p(klaxon, 99) / p(floorRuns, 99)).toFixed(2)} × (target p99 ≤ 1.1 ×)`);
    console.log(`Klaxon ÷ floor started eagerly, as the embedded stack starts incidents: p50 ${(p(klaxon, 50) / p(eagerFloorRuns, 50)).toFixed(2)} ×, p99 ${(p(klaxon, 99) / p(eagerFloorRuns, 99)).toFixed(2)} ×`);
    printProfile([
      { name: 'Klaxon', runs: klaxonSegments },
      { name: 'floor', runs: floorSegments },
      { name: 'floor, eager', runs: eagerFloorSegments },
    ]);
  } finally {
    await connection.close();
    await bench.stop();
  }
}

/**
 * Runs `work` with a worker for the floor's workflow; `postFloor` starts one and waits for its
 * Slack message. Started by `client`, its first workflow task waits in the task queue; started
 * eagerly (by a client on the worker's own connection, as the embedded stack's API starts
 * incidents), the server hands it straight to the worker.
 */
async function withFloorWorker(address: string, slack: SlackStandIn, work: (postFloor: (client: Client, i: number, how: { eager: boolean }) => Promise<Run | undefined>) => Promise<void>): Promise<void> {
  const web = new WebClient(slack.token, { slackApiUrl: slack.url, retryConfig: { retries: 0 } });
  const workerConnection = await NativeConnection.connect({ address });
  const worker = await Worker.create({
    connection: workerConnection,
    taskQueue: 'bench-floor',
    workflowsPath: require.resolve('./floor/workflow'),
    activities: { post: async (text: string) => void (await web.chat.postMessage({ channel: 'C0FLOOR', text })) },
  });
  const eagerClient = new Client({ connection: workerConnection });
  let notEager = 0;
  const postFloor = async (client: Client, i: number, { eager }: { eager: boolean }): Promise<Run | undefined> => {
    const text = `floor${eager ? ' eager' : ''} ${Date.now()}-${i}`;
    const posted = new Promise<SlackCall>((resolve) => {
      const onCall = (call: SlackCall) => call.args.text === text && (slack.off('call', onCall), resolve(call));
      slack.on('call', onCall);
    });
    const workflowId = `floor-${text}`;
    const t0 = performance.now();
    const started = await (eager ? eagerClient : client).workflow.start(floor, { taskQueue: 'bench-floor', workflowId, args: [text], requestEagerStart: eager });
    const call = await posted;
    // The server may decline (the worker had no free slot): such a start is left out of the eager arm, and counted.
    if (eager && !started.eagerlyStarted) return void (notEager += 1);
    return { total: call.at - t0, workflowId, requestAt: performance.timeOrigin + t0, receivedAt: performance.timeOrigin + call.at };
  };
  try {
    await worker.runUntil(work(postFloor));
    if (notEager) console.log(`floor started eagerly: the server declined ${notEager} eager starts (they went by the task queue)`);
  } finally {
    await workerConnection.close();
  }
}

runBench(main);

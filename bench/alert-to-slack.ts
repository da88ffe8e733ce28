import { WebClient } from '@slack/web-api';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import type { SlackCall, SlackStandIn } from '../test/support/slack-stand-in';
import { floor } from './floor/workflow';
import { pageOnce } from './page-once';
import { percentile } from './percentile';
import { startStackWithSlack } from './stack-with-slack';
import { runBench } from './run-bench';

/**
 * Time from an alert POST to the Slack stand-in receiving the incident message, on the
 * embedded stack (dev server, PGlite ledger, worker and API in one process).
 * Beside it, the floor: a workflow that does nothing but run one activity posting to the same
 * Slack stand-in, started from a client on the same server at the same pace (bench/floor/).
 *   npx tsx bench/alert-to-slack.ts            (BENCH_ALERTS=200 by default, one every 100 ms)
 */
const ALERTS = Number(process.env.BENCH_ALERTS || 200);
const WARMUP = 3;
const SECRET = 'whsec_bench';

async function main(): Promise<void> {
  const bench = await startStackWithSlack({ KLAXON_WEBHOOK_SECRET: SECRET });
  const { stack, slack } = bench;

  const toSlack: number[] = [];
  const to202: number[] = [];
  let floorTimes: number[] = [];
  try {
    for (let i = 0; i < WARMUP + ALERTS; i++) {
      const times = await pageOnce(stack.apiUrl, slack, SECRET, i);
      if (i >= WARMUP) {
        toSlack.push(times.toSlack);
        to202.push(times.to202);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    floorTimes = await measureFloor(stack.temporalAddress, slack);
  } finally {
    await bench.stop();
  }

  const fmt = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return `median ${percentile(s, 50).toFixed(1)} ms, p95 ${percentile(s, 95).toFixed(1)} ms, p99 ${percentile(s, 99).toFixed(1)} ms, min ${s[0].toFixed(1)} ms, max ${s.at(-1)!.toFixed(1)} ms`;
  };
  console.log(`alert POST → Slack stand-in receives the page (${ALERTS} alerts, embedded stack): ${fmt(toSlack)}`);
  console.log(`alert POST → 202 answered                       (${ALERTS} alerts, embedded stack): ${fmt(to202)}`);
  console.log(`floor: workflow start → its one activity posts to Slack (${ALERTS} workflows, same server): ${fmt(floorTimes)}`);
}

/** Start → Slack message of the one-activity workflow, ALERTS times, one every 100 ms. */
async function measureFloor(address: string, slack: SlackStandIn): Promise<number[]> {
  const web = new WebClient(slack.token, { slackApiUrl: slack.url, retryConfig: { retries: 0 } });
  const workerConnection = await NativeConnection.connect({ address });
  const worker = await Worker.create({
    connection: workerConnection,
    taskQueue: 'bench-floor',
    workflowsPath: require.resolve('./floor/workflow'),
    activities: { post: async (text: string) => void (await web.chat.postMessage({ channel: 'C0FLOOR', text })) },
  });
  const connection = await Connection.connect({ address });
  const client = new Client({ connection });
  const times: number[] = [];
  await worker.runUntil(async () => {
    for (let i = 0; i < WARMUP + ALERTS; i++) {
      const text = `floor ${Date.now()}-${i}`;
      const posted = new Promise<SlackCall>((resolve) => {
        const onCall = (call: SlackCall) => call.args.text === text && (slack.off('call', onCall), resolve(call));
        slack.on('call', onCall);
      });
      const t0 = performance.now();
      await client.workflow.start(floor, { taskQueue: 'bench-floor', workflowId: `floor-${text}`, args: [text] });
      const call = await posted;
      if (i >= WARMUP) times.push(call.at - t0);
      await new Promise((r) => setTimeout(r, 100));
    }
  });
  await connection.close();
  await workerConnection.close();
  return times;
}

runBench(main);

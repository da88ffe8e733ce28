import { Client, Connection } from '@temporalio/client';
import { Incidents } from '../client/incidents';
import type { Alert } from '../core/alerts/alert';
import { startStackWithSlack } from './stack-with-slack';
import { runBench } from './run-bench';

/**
 * Slack notifications per second the embedded stack's worker sustains: BENCH_INCIDENTS
 * incidents are opened as fast as the client can (BENCH_CONCURRENCY at a time), each paging
 * one responder in Slack (the stand-in) and writing its ledger; the rate is pages received
 * over the time from the first page to the last. The start rate is printed beside it: when
 * the two match, the worker kept up with the starts and the figure is a lower bound.
 *   npx tsx bench/notifications.ts            (BENCH_INCIDENTS=1000, BENCH_CONCURRENCY=50; DATABASE_URL for a PostgreSQL ledger)
 */
const INCIDENTS = Number(process.env.BENCH_INCIDENTS || 1000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY || 50);

async function main(): Promise<void> {
  const bench = await startStackWithSlack({
    KLAXON_WEBHOOK_SECRET: 'whsec_bench',
    KLAXON_ESCALATION_MINUTES: '60',
    // DATABASE_URL=postgres://… puts the ledger on PostgreSQL instead of the embedded PGlite.
    ...(process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL } : {}),
  });
  const { stack, slack } = bench;
  const connection = await Connection.connect({ address: stack.temporalAddress });
  const incidents = new Incidents(new Client({ connection }), stack.config.temporal.taskQueue);
  const policy = stack.config.policies.policies[0];
  try {
    const all = new Promise<void>((resolve) => {
      const check = () => slack.callsOf('chat.postMessage').length >= INCIDENTS && resolve();
      slack.on('call', check);
    });
    const startedAt = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        for (let i = next++; i < INCIDENTS; i = next++) {
          const alert: Alert = {
            source: 'generic', title: `Bench incident ${i}`, severity: 'SEV2', dedupKey: `n-${i}`, tenant: 'bench', dataCategories: ['personal-data'], details: {},
            deliveryId: `n-${process.pid}-${i}`, receivedAt: new Date().toISOString(),
          };
          await incidents.open([alert], policy);
        }
      }),
    );
    const startsDone = performance.now();
    await all;
    const posts = slack.callsOf('chat.postMessage');
    const first = posts[0].at;
    const last = posts[INCIDENTS - 1].at;
    console.log(`${INCIDENTS} incidents started in ${((startsDone - startedAt) / 1000).toFixed(1)} s: ${(INCIDENTS / ((startsDone - startedAt) / 1000)).toFixed(0)} starts/s`);
    console.log(`Slack notifications sustained by the worker: ${(INCIDENTS / ((last - first) / 1000)).toFixed(0)}/s (${INCIDENTS} pages in ${((last - first) / 1000).toFixed(1)} s, first to last)`);
  } finally {
    await connection.close();
    await bench.stop();
  }
}

runBench(main);

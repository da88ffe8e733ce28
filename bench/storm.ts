import { Client, Connection } from '@temporalio/client';
import { klaxonSignatureHeader } from '../core/shared/signature';
import { percentile } from './percentile';
import { startStackWithSlack } from './stack-with-slack';
import { runBench } from './run-bench';

/**
 * An alert storm on the embedded stack: BENCH_STORM_ALERTS (10,000) distinct deliveries of one
 * alert key, sent at an even pace over 10 s (at most 400 requests open at once, as a fleet of
 * senders). Printed: the API's answer times during the storm (p50/p99), incidents created,
 * alerts counted by the incident, and its workflow history length.
 *   npx tsx bench/storm.ts
 */
const ALERTS = Number(process.env.BENCH_STORM_ALERTS || 10_000);
const SECONDS = 10;
const MAX_OPEN = 400;
const SECRET = 'whsec_bench';


async function main(): Promise<void> {
  const bench = await startStackWithSlack({ KLAXON_WEBHOOK_SECRET: SECRET });
  const { stack } = bench;
  const connection = await Connection.connect({ address: stack.temporalAddress });
  const client = new Client({ connection });
  try {
    const dedupKey = `storm-${Date.now()}`;
    const answers: Array<{ status: number; ms: number; incidentId?: string }> = [];
    let open = 0;
    const send = async (i: number) => {
      const body = JSON.stringify({ title: 'Spike of 403 on /admin/users', severity: 'SEV2', tenant: 'bench', dedupKey, details: { seq: i } });
      const t0 = performance.now();
      open += 1;
      try {
        const res = await fetch(`${stack.apiUrl}/v1/alerts/generic`, {
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
    for (let i = 0; i < ALERTS; i++) {
      // Even pace: alert i leaves at i × (10 s / ALERTS), later only when MAX_OPEN are waiting.
      const due = started + (i * SECONDS * 1000) / ALERTS;
      while (performance.now() < due || open >= MAX_OPEN) await new Promise((r) => setTimeout(r, 1));
      inFlight.push(send(i));
    }
    await Promise.all(inFlight);
    const took = (performance.now() - started) / 1000;

    const ids = new Set(answers.filter((a) => a.status === 202).map((a) => a.incidentId));
    const incidentId = [...ids][0]!;
    const handle = client.workflow.getHandle(incidentId);
    const deadline = Date.now() + 120_000;
    let counted = 0;
    while (Date.now() < deadline) {
      counted = ((await handle.query('state')) as { alertCount: number }).alertCount;
      if (counted >= ALERTS) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    const history = await handle.fetchHistory();
    const times = answers.map((a) => a.ms).sort((a, b) => a - b);
    console.log(`storm: ${ALERTS} alerts for one key sent in ${took.toFixed(1)} s (${(ALERTS / took).toFixed(0)}/s), at most ${MAX_OPEN} open at once`);
    console.log(`  answers: ${answers.filter((a) => a.status === 202).length} × 202, ${answers.filter((a) => a.status !== 202).length} other; p50 ${percentile(times, 50).toFixed(1)} ms, p99 ${percentile(times, 99).toFixed(1)} ms, max ${times.at(-1)!.toFixed(1)} ms`);
    console.log(`  incidents created: ${ids.size}; alerts counted by it: ${counted}; its workflow history: ${history.events!.length} events`);
  } finally {
    await connection.close();
    await bench.stop();
  }
}

runBench(main);

import { createHmac } from 'node:crypto';
import { InProcessSpikeWindows, spikeAlertsOf, type SpikeWindows } from '../client/spike-windows';
import type { SpikeHit } from '../core/sources/spike-windows';
import { vercelSource } from '../core/sources/vercel';
import { vercelRulesSchema } from '../core/sources/vercel-rules';
import { migrate } from '../ledger/migrate';
import { DatabaseSpikeWindows } from '../ledger/spike-windows';
import { createTestDatabase } from '../test/support/database';
import { percentile } from './percentile';
import { withPgliteDatabase } from './pglite-database';
import { runBench } from './run-bench';

/**
 * A Vercel drain batch of 1,000 log lines, every one a 403 on an admin route (the worst case:
 * every line is a spike hit), spread over 5 one-minute windows of its own, counted in the in-process
 * windows, in PostgreSQL (TEST_DATABASE_URL, a schema of its own) and in PGlite served over
 * the wire protocol as the embedded stack serves it. BATCHES fresh batches, then each
 * delivered again (every line already counted); median and worst time of counting one batch,
 * and of parsing it (the source's receive, the same for every store).
 *   npx tsx bench/vercel-spikes.ts        (BENCH_BATCHES=… to change the count, default 20)
 */
const LINES = 1000;
const BATCHES = Number(process.env.BENCH_BATCHES || 20);
const SECRET = 'bench-drain-secret';
const rules = vercelRulesSchema.parse({
  detectors: [{ name: 'admin 401/403', kind: 'status-spike', paths: '^/admin', statuses: [401, 403], threshold: 50, windowSeconds: 60, severity: 'SEV2' }],
});
const start = Math.floor(Date.now() / 60_000) * 60_000 - BATCHES * 5 * 60_000;

function batch(b: number): Buffer {
  const lines = Array.from({ length: LINES }, (_, i) => ({
    id: `bench-${b}-${i}`,
    projectId: 'prj_bench',
    timestamp: start + b * 5 * 60_000 + Math.floor((i * 5 * 60_000) / LINES),
    source: 'edge',
    proxy: { method: 'POST', path: '/admin/users', statusCode: 403 },
  }));
  return Buffer.from(lines.map((l) => JSON.stringify(l)).join('\n'));
}

function parse(body: Buffer): SpikeHit[] {
  const signature = createHmac('sha1', SECRET).update(body).digest('hex');
  const req = { header: (n: string) => (n === 'x-vercel-signature' ? signature : undefined), rawBody: body, receivedAt: new Date() };
  return vercelSource.receive(req, { secrets: { KLAXON_VERCEL_SECRET: SECRET }, defaultTenant: 'unassigned', vercel: rules }).spikeHits ?? [];
}

const ms = (values: number[]) => `median ${percentile([...values].sort((a, b) => a - b), 50).toFixed(1)} ms, worst ${Math.max(...values).toFixed(1)} ms`;

async function measure(name: string, windows: SpikeWindows, batches: SpikeHit[][]): Promise<void> {
  const time = async (hits: SpikeHit[]) => {
    const started = performance.now();
    const alerts = await spikeAlertsOf(hits, windows, new Date());
    return { took: performance.now() - started, alerts: alerts.length };
  };
  const fresh = [];
  for (const hits of batches) fresh.push(await time(hits));
  const again = [];
  for (const hits of batches) again.push(await time(hits));
  // Each batch takes its 5 windows past their threshold: 5 alerts, and the same 5 again on redelivery (one delivery id per window).
  const alerts = [...fresh, ...again].reduce((n, r) => n + r.alerts, 0);
  console.log(`${name}: first delivery ${ms(fresh.map((r) => r.took))}; redelivered ${ms(again.map((r) => r.took))} (${alerts} window alerts in all)`);
}

async function main(): Promise<void> {
  const bodies = Array.from({ length: BATCHES }, (_, b) => batch(b));
  const parsing: number[] = [];
  const batches = bodies.map((body) => {
    const started = performance.now();
    const hits = parse(body);
    parsing.push(performance.now() - started);
    return hits;
  });
  console.log(`${BATCHES} batches of ${LINES} lines (${batches[0].length} spike hits each), parsing: ${ms(parsing)}`);
  await measure('in process', new InProcessSpikeWindows(), batches);
  const pg = await createTestDatabase();
  try {
    await measure('PostgreSQL', new DatabaseSpikeWindows(pg.pool), batches);
  } finally {
    await pg.drop();
  }
  await withPgliteDatabase({}, async (pool) => {
    await migrate(pool);
    await measure('PGlite (wire protocol)', new DatabaseSpikeWindows(pool), batches);
  });
}

runBench(main);

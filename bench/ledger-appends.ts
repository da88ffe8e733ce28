import type { Pool } from 'pg';
import { openDatabase } from '../ledger/database';
import { migrate } from '../ledger/migrate';
import { LedgerStore } from '../ledger/store';
import { createTestDatabase } from '../test/support/database';
import { testEvent } from '../test/support/ledger-events';
import { withPgliteDatabase } from './pglite-database';
import { runBench } from './run-bench';

/**
 * Ledger appends per second, one writer and 8 concurrent writers (each its own incident, as
 * activities of different incidents append), on PostgreSQL (TEST_DATABASE_URL, a schema of
 * its own) and on PGlite served over the wire protocol as the embedded stack serves it.
 * Every append is its own transaction, chained to its incident and to the global chain.
 *   npx tsx bench/ledger-appends.ts        (BENCH_APPENDS=… to change the count, default 2000)
 */
const COUNT = Number(process.env.BENCH_APPENDS || 2000);

async function rate(store: LedgerStore, writers: number, tag: string): Promise<number> {
  const each = Math.floor(COUNT / writers);
  const started = performance.now();
  await Promise.all(
    Array.from({ length: writers }, async (_, w) => {
      for (let i = 0; i < each; i++) {
        await store.append(
          testEvent({
            incidentId: `inc-bench-${tag}-${w}`,
            stepKey: `inc-bench-${tag}-${w}/${i}`,
            kind: 'responder.paged',
            occurredAt: new Date().toISOString(),
            actor: { type: 'system', name: 'klaxon' },
            payload: { level: 1, pass: 1, responder: 'alice', i },
          }),
        );
      }
    }),
  );
  return (each * writers) / ((performance.now() - started) / 1000);
}

async function measure(name: string, pool: Pool): Promise<void> {
  await migrate(pool);
  const store = new LedgerStore(pool);
  const single = await rate(store, 1, 'single');
  const concurrent = await rate(store, 8, 'eight');
  const verified = await store.verifyAll();
  if (!verified.ok) throw new Error(`${name}: the chains do not verify after the bench: ${JSON.stringify(verified.firstBroken)}`);
  console.log(`${name}: ${single.toFixed(0)} appends/s with 1 writer, ${concurrent.toFixed(0)} appends/s with 8 writers (${verified.checked} events, chains verified)`);
}

async function main(): Promise<void> {
  const pg = await createTestDatabase();
  // Eight writers need eight connections (the test pool has five).
  const pgPool = openDatabase(pg.url, { max: 8 });
  try {
    await measure('PostgreSQL', pgPool);
  } finally {
    await pgPool.end();
    await pg.drop();
  }
  await withPgliteDatabase({ max: 8 }, (pool) => measure('PGlite (wire protocol)', pool));
}

runBench(main);

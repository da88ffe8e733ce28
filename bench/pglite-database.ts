import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pool } from 'pg';
import { openDatabase } from '../ledger/database';
import { PgliteServer } from '../scripts/pglite-server';

/**
 * Runs `fn` against the embedded stack's database as it runs there: PGlite on disk behind
 * Klaxon's own wire-protocol server, in a fresh directory removed afterwards. Not migrated:
 * each bench migrates what it measures.
 */
export async function withPgliteDatabase(poolOptions: { max?: number }, fn: (pool: Pool) => Promise<void>): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'klaxon-bench-pglite-'));
  const pglite = new PgliteServer({ dataDir, port: 0, password: 'bench' });
  await pglite.start();
  const pool = openDatabase(pglite.url, poolOptions);
  try {
    await fn(pool);
  } finally {
    await pool.end();
    await pglite.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

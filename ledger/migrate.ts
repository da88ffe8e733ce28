import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Pool } from 'pg';

const MIGRATIONS_DIR = join(__dirname, 'migrations');

/**
 * Applies the SQL files of `ledger/migrations` that have not run yet, in name order, each in
 * its own transaction. The same files serve PostgreSQL and PGlite. Returns the names applied.
 */
export async function migrate(pool: Pool): Promise<string[]> {
  const client = await pool.connect();
  try {
    // Several workers may start at once; one migrates, the others wait and find nothing to do.
    await client.query(`SELECT pg_advisory_lock(hashtext('klaxon-ledger-migrate'))`);
    await client.query(`CREATE TABLE IF NOT EXISTS ledger_migrations (
      name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`);
    const done = new Set((await client.query<{ name: string }>('SELECT name FROM ledger_migrations')).rows.map((r) => r.name));
    const applied: string[] = [];
    for (const name of readdirSync(MIGRATIONS_DIR).filter((f) => f.endsWith('.sql')).sort()) {
      if (done.has(name)) continue;
      await client.query('BEGIN');
      try {
        await client.query(readFileSync(join(MIGRATIONS_DIR, name), 'utf8'));
        await client.query('INSERT INTO ledger_migrations (name) VALUES ($1)', [name]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        throw new Error(`ledger migration ${name} failed: ${(err as Error).message}`);
      }
      applied.push(name);
    }
    return applied;
  } finally {
    await client.query(`SELECT pg_advisory_unlock(hashtext('klaxon-ledger-migrate'))`).catch(() => undefined);
    client.release();
  }
}

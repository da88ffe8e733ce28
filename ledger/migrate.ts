import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Pool } from 'pg';

const MIGRATIONS_DIR = join(__dirname, 'migrations');

const migrationFiles = (): string[] => readdirSync(MIGRATIONS_DIR).filter((f) => f.endsWith('.sql')).sort();

/**
 * The migrations not applied yet. Reads only: the runtime role (ledger/runtime-role.ts), which
 * may not create anything, learns that nothing is pending without touching the schema.
 */
export async function pendingMigrations(pool: Pool): Promise<string[]> {
  const table = (await pool.query<{ t: string | null }>(`SELECT to_regclass('ledger_migrations')::text AS t`)).rows[0].t;
  const done = new Set(table ? (await pool.query<{ name: string }>('SELECT name FROM ledger_migrations')).rows.map((r) => r.name) : []);
  return migrationFiles().filter((name) => !done.has(name));
}

/**
 * Applies the SQL files of `ledger/migrations` that have not run yet, in name order, each in
 * its own transaction. The same files serve PostgreSQL and PGlite. Returns the names applied.
 * With nothing pending it changes nothing (so the runtime role may call it); with migrations
 * pending it needs the schema's owner, and says so.
 */
export async function migrate(pool: Pool): Promise<string[]> {
  const pending = await pendingMigrations(pool);
  if (pending.length === 0) return [];
  const client = await pool.connect();
  try {
    // Several workers may start at once; one migrates, the others wait and find nothing to do.
    await client.query(`SELECT pg_advisory_lock(hashtext('klaxon-ledger-migrate'))`);
    await client
      .query(`CREATE TABLE IF NOT EXISTS ledger_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`)
      .catch((err: Error) => {
        throw new Error(`ledger migrations ${pending.join(', ')} are pending: ${err.message}${ownerHint(err)}`);
      });
    const done = new Set((await client.query<{ name: string }>('SELECT name FROM ledger_migrations')).rows.map((r) => r.name));
    const applied: string[] = [];
    for (const name of migrationFiles()) {
      if (done.has(name)) continue;
      await client.query('BEGIN');
      try {
        await client.query(readFileSync(join(MIGRATIONS_DIR, name), 'utf8'));
        await client.query('INSERT INTO ledger_migrations (name) VALUES ($1)', [name]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        throw new Error(`ledger migration ${name} failed: ${(err as Error).message}${ownerHint(err)}`);
      }
      applied.push(name);
    }
    return applied;
  } finally {
    await client.query(`SELECT pg_advisory_unlock(hashtext('klaxon-ledger-migrate'))`).catch(() => undefined);
    client.release();
  }
}

/** A permission the connecting role lacks: migrations are the schema owner's job. */
const ownerHint = (err: unknown): string =>
  (err as { code?: string }).code === '42501' ? ' (run the migrations as the schema owner: scripts/ledger-setup.ts, the ledger-setup job of docker-compose.yml)' : '';

import { randomBytes } from 'node:crypto';
import { Pool } from 'pg';
import { openDatabase } from '../../ledger/database';
import { migrate } from '../../ledger/migrate';
import { register } from './teardown';

/** The machine's PostgreSQL (trust auth), database `test`; TEST_DATABASE_URL overrides. */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';

export interface TestDatabase {
  pool: Pool;
  schema: string;
  /** A connection string that lands in this schema, for child processes. */
  url: string;
  drop(): Promise<void>;
}

/**
 * A fresh schema of its own for one test file, dropped afterwards: migrated for the ledger,
 * or left empty (`ledger: false`) for an application that creates its own tables.
 */
export async function createTestDatabase({ ledger = true } = {}): Promise<TestDatabase> {
  const schema = `klaxon_test_${randomBytes(6).toString('hex')}`;
  const admin = new Pool({ connectionString: TEST_DATABASE_URL, max: 1 });
  const pool = openDatabase(TEST_DATABASE_URL, { schema });
  // Registered before the first query: a failed set-up still ends both pools.
  const drop = register(async () => {
    await pool.end();
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).finally(() => admin.end());
  });
  await admin.query(`CREATE SCHEMA ${schema}`);
  if (ledger) await migrate(pool);
  return { pool, schema, url: `${TEST_DATABASE_URL}?options=${encodeURIComponent(`-c search_path=${schema}`)}`, drop };
}

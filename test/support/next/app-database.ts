import { randomBytes } from 'node:crypto';
import { Pool } from 'pg';
import { openDatabase } from '../../../ledger/database';
import { TEST_DATABASE_URL } from '../database';
import { register } from '../teardown';

/**
 * A customer app's PostgreSQL for @klaxon/next's audit store: an empty schema of its own on the
 * machine's PostgreSQL (no Klaxon ledger in it), dropped at the end of the file.
 */
export async function createAppDatabase(): Promise<{ pool: Pool; schema: string; url: string }> {
  const schema = `klaxon_next_${randomBytes(6).toString('hex')}`;
  const admin = new Pool({ connectionString: TEST_DATABASE_URL, max: 1 });
  const pool = openDatabase(TEST_DATABASE_URL, { schema, max: 3 });
  register(async () => {
    await pool.end();
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).finally(() => admin.end());
  });
  await admin.query(`CREATE SCHEMA ${schema}`);
  return { pool, schema, url: `${TEST_DATABASE_URL}?options=${encodeURIComponent(`-c search_path=${schema}`)}` };
}

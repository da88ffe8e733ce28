import type { Pool } from 'pg';
import { databaseStep } from './database-error';

/**
 * What the worker and the API may do in the ledger database when they connect as the runtime
 * role (production: compose's `ledger-setup` job creates it): add and read audit records, and
 * keep the working tables that are not audit data (replay memory, intake windows, spike windows, console sign-ins, run-time on-call overrides, maintenance windows). Never change
 * or delete a ledger row, drop a trigger or a table: those need the schema's owner, who runs the
 * migrations and the retention purge. The migrations' comments say the same, table by table.
 */
export const RUNTIME_GRANTS = [
  'SELECT ON ledger_migrations',
  'SELECT, INSERT ON ledger_events',
  'USAGE ON SEQUENCE ledger_events_id_seq',
  'SELECT, INSERT ON history_archives',
  'SELECT ON api_tokens',
  'SELECT, INSERT, UPDATE, DELETE ON seen_deliveries',
  'SELECT, INSERT, UPDATE, DELETE ON intake_windows',
  'SELECT, INSERT, UPDATE, DELETE ON spike_windows, spike_window_lines',
  'SELECT, INSERT, UPDATE, DELETE ON console_sessions',
  'SELECT, INSERT, UPDATE ON oncall_overrides',
  'SELECT, INSERT, UPDATE ON oncall_feeds',
  'SELECT, INSERT, UPDATE ON maintenance_windows',
] as const;

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Creates the runtime role (or sets its password again) and grants it exactly RUNTIME_GRANTS
 * in the current schema. Run as the schema's owner, after the migrations; safe to run again.
 */
export async function grantRuntimeRole(pool: Pool, role: string, password: string): Promise<void> {
  if (!IDENTIFIER.test(role)) throw new Error(`runtime role "${role}" must be a plain lower-case identifier`);
  const client = await pool.connect();
  try {
    await databaseStep('set up the runtime role', async () => {
      const schema = (await client.query<{ schema: string }>('SELECT current_schema() AS schema')).rows[0].schema;
      if (!IDENTIFIER.test(schema)) throw new Error(`schema "${schema}" is not a plain identifier`);
      const literal = (await client.query<{ q: string }>('SELECT quote_literal($1) AS q', [password])).rows[0].q;
      await client.query('BEGIN');
      const exists = (await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role])).rowCount;
      await client.query(`${exists ? 'ALTER' : 'CREATE'} ROLE ${role} LOGIN PASSWORD ${literal}`);
      await client.query(`GRANT USAGE ON SCHEMA ${schema} TO ${role}`);
      for (const grant of RUNTIME_GRANTS) await client.query(`GRANT ${grant} TO ${role}`);
      await client.query('COMMIT');
    });
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

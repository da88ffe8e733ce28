import { Pool } from 'pg';

/**
 * A connection pool to the ledger database: PostgreSQL in production, the embedded stack's
 * PGlite served over the wire protocol otherwise, so every reader uses the same `pg` code.
 * `schema` pins the search path (tests give each file a schema of its own).
 */
export function openDatabase(url: string, options: { schema?: string; max?: number } = {}): Pool {
  const pool = new Pool({
    connectionString: url,
    max: options.max ?? 5,
    ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}),
  });
  // An idle client's error (the server restarted) must not crash the process; the next query reconnects.
  pool.on('error', (err) => console.error(`klaxon: ledger database connection lost: ${err.message}`));
  return pool;
}

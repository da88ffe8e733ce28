/**
 * Runs once as the server starts (Next's instrumentation hook): creates the audit table
 * `klaxon_data_access` in DATABASE_URL's database when missing. Idempotent, and safe when two
 * instances start together; it needs the schema's owner (the migration's header says which
 * grants the app's own role needs when it is not).
 */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== 'nodejs' || !process.env.DATABASE_URL) return;
  const [{ Pool }, { migrateAuditStore }] = await Promise.all([import('pg'), import('@klaxon/next/server')]);
  const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 1 });
  try {
    await migrateAuditStore(pool);
  } finally {
    await pool.end();
  }
}

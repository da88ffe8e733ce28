import pg from 'pg';
import type { AdapterConfig } from '../../core/containment/containment-config';
import { containmentKey } from '../../core/containment/containment-key';
import { type AdapterReading, type AdapterRequest, type ContainmentAdapter } from './adapter';

type PostgresSettings = Extract<AdapterConfig, { adapter: 'postgres' }>;

/**
 * A containment table in a database the customer's app reads: one row per action, keyed by
 * its idempotency key, so a repeated apply inserts nothing and a repeated undo changes
 * nothing. The app asks `SELECT kind, spec FROM klaxon_containment WHERE tenant = $1 AND
 * undone_at IS NULL` (global throttles have tenant "*"). Klaxon creates the table if missing.
 */
export class PostgresAdapter implements ContainmentAdapter {
  private readonly pool: pg.Pool;
  private ready?: Promise<void>;

  constructor(private readonly settings: PostgresSettings) {
    this.pool = new pg.Pool({ connectionString: settings.databaseUrl, max: 2 });
  }

  private table(): Promise<void> {
    this.ready ??= this.pool
      .query(
        `CREATE TABLE IF NOT EXISTS ${this.settings.table} (
          idempotency_key text PRIMARY KEY,
          tenant text NOT NULL,
          kind text NOT NULL,
          state_key text NOT NULL,
          spec jsonb NOT NULL,
          incident_id text NOT NULL,
          applied_at timestamptz NOT NULL DEFAULT now(),
          undone_at timestamptz
        )`,
      )
      .then(() => undefined);
    return this.ready;
  }

  async apply(req: AdapterRequest): Promise<void> {
    await this.table();
    await this.pool.query(
      `INSERT INTO ${this.settings.table} (idempotency_key, tenant, kind, state_key, spec, incident_id) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (idempotency_key) DO NOTHING`,
      [req.idempotencyKey, req.tenant, req.spec.kind, containmentKey(req.tenant, req.spec.kind), JSON.stringify(req.spec), req.incidentId],
    );
  }

  async undo(req: AdapterRequest): Promise<void> {
    await this.table();
    await this.pool.query(`UPDATE ${this.settings.table} SET undone_at = now() WHERE idempotency_key = $1 AND undone_at IS NULL`, [req.idempotencyKey]);
  }

  async read(req: AdapterRequest): Promise<AdapterReading> {
    await this.table();
    const { rows } = await this.pool.query(`SELECT tenant, kind, applied_at, undone_at FROM ${this.settings.table} WHERE idempotency_key = $1`, [req.idempotencyKey]);
    const row = rows[0] as { undone_at: Date | null } | undefined;
    return { active: Boolean(row && row.undone_at === null), observed: row ?? { row: 'none' } };
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

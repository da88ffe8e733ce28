/// <reference path="./sql-text.d.ts" />
import migrationSql from '../migrations/001_klaxon_data_access.sql';

/** The migration that creates `klaxon_data_access`, as shipped in migrations/001_klaxon_data_access.sql. */
export const auditStoreMigration: string = migrationSql;

/** What the audit store needs of a database client: `pg`'s Pool (or Client) fits. */
export interface Queryable {
  query(text: string, values?: unknown[]): Promise<unknown>;
}

/** One access to data through a route handler or a server action. Counts and names only, never values. */
export interface DataAccessRecord {
  at: string;
  app: string;
  actor: string;
  tenant: string;
  route: string;
  method: string;
  status: number;
  /** Records in the response; null when they could not be counted (not JSON, too large). */
  records: number | null;
  requestId: string;
  findings: Array<'cross-tenant' | 'sensitive-field'>;
  action?: 'blocked' | 'reported';
}

export interface AuditStore {
  record(entry: DataAccessRecord): Promise<void>;
  /** Ends the pool the store opened itself (one it was given stays the app's). */
  close(): Promise<void>;
}

type PoolConstructor = new (config: { connectionString: string; max: number }) => Queryable & { end(): Promise<void> };

/** `pg` is an optional peer: loaded only when the app gives a connection string instead of a pool. */
async function openPool(connectionString: string): Promise<Queryable & { end(): Promise<void> }> {
  const pg = (await import('pg')) as unknown as { Pool?: PoolConstructor; default?: { Pool: PoolConstructor } };
  const Pool = pg.Pool ?? pg.default?.Pool;
  if (!Pool) throw new Error('createAuditStore: the "pg" package is needed for a connection string (npm install pg)');
  return new Pool({ connectionString, max: 4 });
}

/**
 * Runs the migration (idempotent: safe at every start-up). Sent as one multi-statement query,
 * which PostgreSQL runs as one transaction (all or nothing), behind an advisory lock so two
 * instances starting together do not race. Needs the schema's owner.
 */
export async function migrateAuditStore(db: Queryable): Promise<void> {
  await db.query(`SELECT pg_advisory_xact_lock(hashtext('klaxon-next-audit-migrate'));\n${auditStoreMigration}`);
}

const clip = (text: string, max: number): string => (text.length > max ? text.slice(0, max) : text);

/**
 * The append-only audit table in the app's PostgreSQL (migrations/001_klaxon_data_access.sql:
 * triggers refuse UPDATE, DELETE and TRUNCATE). Give it the app's pool, or a connection string
 * (then `pg` is loaded and a small pool opened on first use).
 */
export function createAuditStore(options: { pool: Queryable } | { connectionString: string }): AuditStore {
  let opened: Promise<Queryable & { end(): Promise<void> }> | undefined;
  const db = (): Promise<Queryable> => ('pool' in options ? Promise.resolve(options.pool) : (opened ??= openPool(options.connectionString)));
  return {
    async record(entry) {
      await (await db()).query(
        `INSERT INTO klaxon_data_access (at, app, actor, tenant, route, method, status, records, request_id, findings, action)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
        [
          entry.at,
          entry.app,
          clip(entry.actor, 256),
          entry.tenant,
          clip(entry.route, 512),
          clip(entry.method, 16),
          entry.status,
          entry.records,
          entry.requestId,
          entry.findings,
          entry.action ?? null,
        ],
      );
    },
    async close() {
      if (opened) await (await opened).end();
    },
  };
}

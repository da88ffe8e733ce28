import type { Pool, PoolClient } from 'pg';
import type { RuntimeOverride } from '../core/oncall/runtime-override';

interface Row {
  id: string;
  policy: string;
  schedule: string;
  responder: string;
  replaces: string | null;
  from_at: Date;
  to_at: Date;
  reason: string;
  created_by: string;
  created_at: Date;
  cancelled_at: Date | null;
}

const toOverride = (r: Row): RuntimeOverride => ({
  id: r.id,
  policy: r.policy,
  schedule: r.schedule,
  responder: r.responder,
  ...(r.replaces !== null ? { replaces: r.replaces } : {}),
  from: r.from_at.toISOString(),
  to: r.to_at.toISOString(),
  reason: r.reason,
  by: r.created_by,
  createdAt: r.created_at.toISOString(),
  ...(r.cancelled_at !== null ? { cancelledAt: r.cancelled_at.toISOString() } : {}),
});

/** What a cancel did: cancelled it, found none by that id, or found it cancelled or ended already. */
export type CancelOutcome = { cancelled: RuntimeOverride } | { unknown: true } | { already: 'cancelled' | 'ended'; override: RuntimeOverride };

export interface OverrideQuery {
  policy?: string;
  schedule?: string;
  /** Only overrides still in force at or after this instant (to > after). */
  after?: Date;
  /** Only overrides starting before this instant (from < before). */
  before?: Date;
  /** Cancelled ones too (for the record); by default only live ones. */
  includeCancelled?: boolean;
}

/**
 * Run-time overrides in the ledger database (table `oncall_overrides`), shared by every API
 * replica and read by the worker when an incident pages a schedule. Validation (known person,
 * inside the schedule, zones) is the caller's: this only stores and reads. The database being
 * away throws; the caller decides what that means (refuse the change, page the pinned roster).
 */
export class OnCallOverrides {
  constructor(private readonly db: Pool) {}

  /** Stores one; `db` is the transaction's client when the row must go with its ledger record. */
  async add(o: Omit<RuntimeOverride, 'cancelledAt'>, db: Pool | PoolClient = this.db): Promise<void> {
    await db.query(
      `INSERT INTO oncall_overrides (id, policy, schedule, responder, replaces, from_at, to_at, reason, created_by, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [o.id, o.policy, o.schedule, o.responder, o.replaces ?? null, o.from, o.to, o.reason, o.by, o.createdAt],
    );
  }

  /**
   * Cancels a live override in one conditional UPDATE (not cancelled, not ended, of one of
   * `policies` when given): two cancels racing, one wins. When none was cancelled, a read after
   * the write says why, for the answer only: no such override (of those policies), or already
   * cancelled or ended.
   */
  async cancel(id: string, by: string, at: Date, policies?: readonly string[], db: Pool | PoolClient = this.db): Promise<CancelOutcome> {
    const r = await db.query<Row>(
      `UPDATE oncall_overrides SET cancelled_at = $2, cancelled_by = $3
       WHERE id = $1 AND cancelled_at IS NULL AND to_at > $2 AND ($4::text[] IS NULL OR policy = ANY($4::text[])) RETURNING *`,
      [id, at, by, policies ?? null],
    );
    if (r.rows[0]) return { cancelled: toOverride(r.rows[0]) };
    const seen = await db.query<Row>(`SELECT * FROM oncall_overrides WHERE id = $1 AND ($2::text[] IS NULL OR policy = ANY($2::text[]))`, [id, policies ?? null]);
    const row = seen.rows[0];
    if (!row) return { unknown: true };
    return { already: row.cancelled_at !== null ? 'cancelled' : 'ended', override: toOverride(row) };
  }

  /** How many overrides of `policy` are live at `at` (not cancelled, not ended). */
  async countLive(policy: string, at: Date, db: Pool | PoolClient = this.db): Promise<number> {
    const r = await db.query<{ n: string }>(`SELECT count(*) AS n FROM oncall_overrides WHERE policy = $1 AND cancelled_at IS NULL AND to_at > $2`, [policy, at]);
    return Number(r.rows[0].n);
  }

  /** A live override identical to `o` (schedule, person, whose turns, period), if one is kept already. */
  async findSame(o: Omit<RuntimeOverride, 'cancelledAt'>, at: Date, db: Pool | PoolClient = this.db): Promise<RuntimeOverride | undefined> {
    const r = await db.query<Row>(
      `SELECT * FROM oncall_overrides
       WHERE policy = $1 AND schedule = $2 AND responder = $3 AND replaces IS NOT DISTINCT FROM $4 AND from_at = $5 AND to_at = $6
         AND cancelled_at IS NULL AND to_at > $7
       ORDER BY created_at, id LIMIT 1`,
      [o.policy, o.schedule, o.responder, o.replaces ?? null, o.from, o.to, at],
    );
    return r.rows[0] && toOverride(r.rows[0]);
  }

  async list(q: OverrideQuery = {}): Promise<RuntimeOverride[]> {
    const where: string[] = [];
    const args: unknown[] = [];
    const add = (sql: string, value: unknown) => {
      args.push(value);
      where.push(sql.replace('?', `$${args.length}`));
    };
    if (q.policy !== undefined) add('policy = ?', q.policy);
    if (q.schedule !== undefined) add('schedule = ?', q.schedule);
    if (q.after !== undefined) add('to_at > ?', q.after);
    if (q.before !== undefined) add('from_at < ?', q.before);
    if (!q.includeCancelled) where.push('cancelled_at IS NULL');
    const r = await this.db.query<Row>(
      `SELECT * FROM oncall_overrides ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at, id`,
      args,
    );
    return r.rows.map(toOverride);
  }
}

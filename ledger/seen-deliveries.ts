import type { Pool } from 'pg';
import { inTime } from '../core/shared/in-time';
import { CoalescedQueries } from './coalesced-queries';

/** A look-up or a write slower than this counts as failed (a database that hangs rather than refuses). */
const SEEN_TIMEOUT_MS = 2_000;
/** Statements of each kind at once: requests arriving meanwhile wait and go together in the next. */
const PARALLEL_STATEMENTS = 1;
/** Expired rows are swept at most this often per process. */
const SWEEP_INTERVAL_MS = 60_000;

/**
 * Deliveries remembered in the ledger database (table `seen_deliveries`), shared by every API
 * replica and kept across restarts. The database being away must not stop alerts: a failed
 * look-up lets the delivery through (the incident still counts it once per run) and a failed
 * write is logged, both named, never thrown; one that hangs past two seconds counts as failed.
 */
export class SeenDeliveries {
  private lastSweep = 0;
  /** The look-ups and writes of requests arriving together, each run as one statement (ledger/coalesced-queries.ts). */
  private readonly lookups: CoalescedQueries<{ ids: string[]; now: Date }, Set<string>>;
  private readonly writes: CoalescedQueries<{ ids: string[]; now: Date; until: Date }, void>;

  constructor(
    private readonly db: Pool,
    private readonly log: (line: string) => void = (line) => console.error(line),
  ) {
    const batching = { parallel: PARALLEL_STATEMENTS, slotMs: SEEN_TIMEOUT_MS };
    this.lookups = new CoalescedQueries((calls) => this.lookUp(calls), batching);
    this.writes = new CoalescedQueries((calls) => this.write(calls), batching);
  }

  async seen(ids: string[], now: Date): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    try {
      return await inTime(this.lookups.call({ ids, now }), SEEN_TIMEOUT_MS, 'the replay check');
    } catch (err) {
      this.log(`klaxon: replay check skipped, the ledger database did not answer: ${(err as Error).message}`);
      return new Set();
    }
  }

  async remember(ids: string[], now: Date, until: Date): Promise<void> {
    if (ids.length === 0) return;
    try {
      await inTime(this.writes.call({ ids, now, until }), SEEN_TIMEOUT_MS, 'remembering the deliveries');
      if (now.getTime() - this.lastSweep >= SWEEP_INTERVAL_MS) {
        this.lastSweep = now.getTime();
        await this.db.query('DELETE FROM seen_deliveries WHERE expires_at <= $1', [now]);
      }
    } catch (err) {
      this.log(`klaxon: could not remember ${ids.length} delivery id(s) against replays: ${(err as Error).message}`);
    }
  }

  /** Which ids of each call are remembered and not expired at that call's time. */
  private async lookUp(calls: Array<{ ids: string[]; now: Date }>): Promise<Array<Set<string>>> {
    const rows = calls.flatMap((c, call) => c.ids.map((id) => ({ id, at: c.now, call })));
    const r = await this.db.query<{ n: string }>(
      `SELECT q.n FROM unnest($1::text[], $2::timestamptz[]) WITH ORDINALITY AS q(id, at, n)
       JOIN seen_deliveries d ON d.id = q.id AND d.expires_at > q.at`,
      [rows.map((x) => x.id), rows.map((x) => x.at)],
    );
    const found = calls.map(() => new Set<string>());
    for (const { n } of r.rows) {
      const row = rows[Number(n) - 1];
      found[row.call].add(row.id);
    }
    return found;
  }

  private async write(calls: Array<{ ids: string[]; now: Date; until: Date }>): Promise<void[]> {
    // One row per id: a statement may not update a row twice (the first call's window wins).
    const rows = new Map<string, { now: Date; until: Date }>();
    for (const c of calls) for (const id of c.ids) if (!rows.has(id)) rows.set(id, c);
    // A row left from an expired window (not swept yet) starts a new window.
    await this.db.query(
      `INSERT INTO seen_deliveries (id, seen_at, expires_at) SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::timestamptz[])
       ON CONFLICT (id) DO UPDATE SET seen_at = EXCLUDED.seen_at, expires_at = EXCLUDED.expires_at WHERE seen_deliveries.expires_at <= EXCLUDED.seen_at`,
      [[...rows.keys()], [...rows.values()].map((r) => r.now), [...rows.values()].map((r) => r.until)],
    );
    return calls.map(() => undefined);
  }
}

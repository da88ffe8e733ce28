import type { Pool } from 'pg';
import { inTime } from '../core/shared/in-time';

/** A look-up or a write slower than this counts as failed (a database that hangs rather than refuses). */
const SEEN_TIMEOUT_MS = 2_000;
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

  constructor(
    private readonly db: Pool,
    private readonly log: (line: string) => void = (line) => console.error(line),
  ) {}

  async seen(ids: string[], now: Date): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    try {
      const r = await inTime(this.db.query<{ id: string }>('SELECT id FROM seen_deliveries WHERE id = ANY($1::text[]) AND expires_at > $2', [ids, now]), SEEN_TIMEOUT_MS, 'the replay check');
      return new Set(r.rows.map((row) => row.id));
    } catch (err) {
      this.log(`klaxon: replay check skipped, the ledger database did not answer: ${(err as Error).message}`);
      return new Set();
    }
  }

  /**
   * Up to `limit` deliveries still remembered at `now`, the latest to expire first, so that
   * those left out all expire by the last one given. Throws when the database does not answer.
   */
  async unexpired(now: Date, limit: number): Promise<Array<{ id: string; expiresAt: Date }>> {
    const r = await inTime(
      this.db.query<{ id: string; expires_at: Date }>('SELECT id, expires_at FROM seen_deliveries WHERE expires_at > $1 ORDER BY expires_at DESC LIMIT $2', [now, limit]),
      SEEN_TIMEOUT_MS,
      'reading the remembered deliveries',
    );
    return r.rows.map((row) => ({ id: row.id, expiresAt: row.expires_at }));
  }

  async remember(ids: string[], now: Date, until: Date): Promise<void> {
    if (ids.length === 0) return;
    try {
      // A row left from an expired window (not swept yet) starts a new window.
      await inTime(
        this.db.query(
          `INSERT INTO seen_deliveries (id, seen_at, expires_at) SELECT unnest($1::text[]), $2, $3
           ON CONFLICT (id) DO UPDATE SET seen_at = EXCLUDED.seen_at, expires_at = EXCLUDED.expires_at WHERE seen_deliveries.expires_at <= EXCLUDED.seen_at`,
          [[...new Set(ids)], now, until],
        ),
        SEEN_TIMEOUT_MS,
        'remembering the deliveries',
      );
      if (now.getTime() - this.lastSweep >= SWEEP_INTERVAL_MS) {
        this.lastSweep = now.getTime();
        await inTime(this.db.query('DELETE FROM seen_deliveries WHERE expires_at <= $1', [now]), SEEN_TIMEOUT_MS, 'sweeping the expired deliveries');
      }
    } catch (err) {
      this.log(`klaxon: could not remember ${ids.length} delivery id(s) against replays: ${(err as Error).message}`);
    }
  }
}

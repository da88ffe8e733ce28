import type { Pool } from 'pg';
import { inTime } from '../core/shared/in-time';

/** A database slower than this to reserve lets the batch go: the window is a hint, the alarm is not. */
const RESERVE_TIMEOUT_MS = 1_000;
/**
 * A window reserved further ahead than this is taken for a clock that went back (the database's,
 * restored or corrected), not for a queue of replicas (forty of them at 250 ms), and the key
 * starts over: otherwise its storm would wait for the clock to catch up.
 */
const MAX_AHEAD_MS = 10_000;
/** Rows of keys quiet this long are swept, at most once a minute per process. */
const SWEEP_AFTER_MS = 60_000;

/**
 * The coalescing windows of every API replica in the ledger database (table `intake_windows`):
 * before it signals a batch, a replica reserves the key's next free window, at least a window
 * after the one reserved before it, and waits until its window opens (client/alert-intake.ts).
 * So a storm that reaches many replicas is signalled at most once per window in all, and the
 * replicas take turns in the order they asked: none waits behind the others twice. One
 * statement under the key's row lock, on the database's clock (one clock for every replica).
 *
 * The database being away must not hold alerts back: a reservation that fails, or takes longer
 * than a second (a database that hangs rather than refuses), lets the batch go at once (the
 * replica's own window still paces it), logged, never thrown.
 */
export class SharedIntakeWindows {
  private lastSweep = 0;

  constructor(
    private readonly db: Pool,
    private readonly log: (line: string) => void = (line) => console.error(line),
  ) {}

  /** How many ms until the window reserved for this send opens (0: at once). */
  async reserve(key: string, windowMs: number): Promise<number> {
    try {
      const r = await inTime(this.db.query<{ wait_ms: number }>(
        `INSERT INTO intake_windows AS w (incident_key, opens_at) VALUES ($1, clock_timestamp())
         ON CONFLICT (incident_key) DO UPDATE SET opens_at = CASE
           WHEN w.opens_at > EXCLUDED.opens_at + make_interval(secs => $3::float8 / 1000) THEN EXCLUDED.opens_at
           ELSE greatest(EXCLUDED.opens_at, w.opens_at + make_interval(secs => $2::float8 / 1000)) END
         RETURNING ceil(extract(epoch FROM w.opens_at - clock_timestamp()) * 1000)::int AS wait_ms`,
        [key, windowMs, MAX_AHEAD_MS],
      ), RESERVE_TIMEOUT_MS, 'reserving the window');
      this.sweep();
      return Math.max(0, r.rows[0].wait_ms);
    } catch (err) {
      this.log(`klaxon: alert batch signalled without the replicas' shared window, the ledger database did not answer: ${(err as Error).message}`);
      return 0;
    }
  }

  /** Beside the reservation, not before the signal: the batch does not wait for it. */
  private sweep(): void {
    const now = Date.now();
    if (now - this.lastSweep < SWEEP_AFTER_MS) return;
    this.lastSweep = now;
    this.db
      .query(`DELETE FROM intake_windows WHERE opens_at < clock_timestamp() - make_interval(secs => $1::float8 / 1000)`, [SWEEP_AFTER_MS])
      .catch((err: Error) => this.log(`klaxon: could not sweep quiet intake windows: ${err.message}`));
  }
}

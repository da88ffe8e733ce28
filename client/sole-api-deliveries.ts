import { REPLAY_MEMORY_SECONDS } from '../core/shared/signature';
import type { SeenDeliveries } from '../ledger/seen-deliveries';
import { InProcessDeliveries, MAX_REMEMBERED_IN_PROCESS, type DeliveryMemory } from './delivery-memory';

/** The longest a delivery is remembered: a database unread at start may hold one that long. */
const LONGEST_MEMORY_MS = Math.max(...Object.values(REPLAY_MEMORY_SECONDS)) * 1000;

/**
 * The delivery memory of the only API process in front of its database: the embedded stack's,
 * whose PGlite no other API opens. It answers from the process's own memory and writes every
 * delivery through to the database, so a restart still knows what was taken; at start it reads
 * back what the database still remembers. The replay check before a signal then costs no
 * round trip to a database that the worker's ledger transactions keep busy (on PGlite, one
 * thread for both): at 1,000 open incidents that look-up was 2 ms of the page at the median and
 * up to 8 at the tail (BENCHMARKS.md, Latency).
 *
 * The database is still asked about a delivery this process does not hold while it may hold
 * it: until what it remembered at start has expired past the number read back, or, when it
 * could not be read at start, for the longest window; and until every delivery forgotten to
 * keep this process's memory bounded has expired. A production API (replicas sharing one
 * PostgreSQL) uses `SeenDeliveries` alone: another replica's deliveries are not in this memory.
 */
export class SoleApiDeliveries implements DeliveryMemory {
  private readonly local = new InProcessDeliveries();
  /** Until then (ms) a delivery this process does not hold may be one the database remembers from before it started. */
  private databaseHeldUntil = 0;
  private readonly loaded: Promise<void>;

  constructor(
    private readonly database: SeenDeliveries,
    now: Date,
    private readonly log: (line: string) => void = (line) => console.error(line),
  ) {
    this.loaded = this.load(now);
  }

  async seen(ids: string[], now: Date): Promise<Set<string>> {
    await this.loaded;
    const held = await this.local.seen(ids, now);
    const unknown = ids.filter((id) => !held.has(id));
    if (unknown.length === 0 || now.getTime() >= Math.max(this.databaseHeldUntil, this.local.forgottenUntil)) return held;
    return new Set([...held, ...(await this.database.seen(unknown, now))]);
  }

  async remember(ids: string[], now: Date, until: Date): Promise<void> {
    await this.loaded;
    await this.local.remember(ids, now, until);
    await this.database.remember(ids, now, until);
  }

  private async load(now: Date): Promise<void> {
    try {
      const latestFirst = await this.database.unexpired(now, MAX_REMEMBERED_IN_PROCESS);
      // Those not read back all expire by the last one read.
      if (latestFirst.length === MAX_REMEMBERED_IN_PROCESS) this.databaseHeldUntil = latestFirst[latestFirst.length - 1].expiresAt.getTime();
      // Earliest expiry first: past its bound, the in-process memory forgets in the order it was told.
      for (const row of [...latestFirst].reverse()) await this.local.remember([row.id], now, row.expiresAt);
    } catch (err) {
      this.databaseHeldUntil = now.getTime() + LONGEST_MEMORY_MS;
      this.log(`klaxon: the remembered deliveries could not be read at start, so each new one is looked up in the database for ${LONGEST_MEMORY_MS / 3_600_000} h: ${(err as Error).message}`);
    }
  }
}

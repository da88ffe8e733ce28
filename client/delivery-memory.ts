/**
 * Deliveries the API has taken, remembered for a window so the same signed bytes sent again
 * are recognised as a replay: across workflow runs (a replay after the incident was resolved
 * would otherwise open a new one and page again) and, when the memory is shared, across API
 * replicas. A delivery is remembered only once Temporal has accepted it: one refused with 503
 * must still be taken when the sender retries it.
 */
export interface DeliveryMemory {
  /** Which of `ids` were taken before and are still remembered at `now`. */
  seen(ids: string[], now: Date): Promise<Set<string>>;
  /** Remembers `ids` from `now` until `until`. */
  remember(ids: string[], now: Date, until: Date): Promise<void>;
  /** What this memory does not cover, said once at start; absent when shared and durable. */
  readonly limitation?: string;
}

/** Bounds the in-process memory: past it, the oldest entries are forgotten first. */
export const MAX_REMEMBERED_IN_PROCESS = 100_000;

/** The memory of one API process, for when there is no database to share (no DATABASE_URL). */
export class InProcessDeliveries implements DeliveryMemory {
  readonly limitation =
    'deliveries are remembered in this process only (no DATABASE_URL): a replay that reaches another API replica, or comes after a restart, is not recognised';
  /** Id → expiry (ms), in the order remembered. */
  private readonly until = new Map<string, number>();
  /** The latest expiry (ms) of a delivery forgotten before its window ended, to make room. */
  forgottenUntil = 0;

  async seen(ids: string[], now: Date): Promise<Set<string>> {
    return new Set(ids.filter((id) => (this.until.get(id) ?? 0) > now.getTime()));
  }

  async remember(ids: string[], now: Date, until: Date): Promise<void> {
    for (const id of ids) {
      this.until.delete(id);
      this.until.set(id, until.getTime());
    }
    if (this.until.size <= MAX_REMEMBERED_IN_PROCESS) return;
    for (const [id, expiry] of this.until) if (expiry <= now.getTime()) this.until.delete(id);
    for (const [id, expiry] of this.until) {
      if (this.until.size <= MAX_REMEMBERED_IN_PROCESS) break;
      this.forgottenUntil = Math.max(this.forgottenUntil, expiry);
      this.until.delete(id);
    }
  }
}

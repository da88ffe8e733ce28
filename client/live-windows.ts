import type { StoredWindow } from '../ledger/maintenance-windows';

/** How long a tenant's windows, once read, answer the alerts after them. */
export const LIVE_WINDOWS_TTL_MS = 1_000;

/** Tenants whose windows are kept at once; past it the oldest read is dropped first. */
export const LIVE_WINDOWS_TENANTS = 10_000;

/** A read this close to its end is renewed in the background by the alert that finds it so. */
export const LIVE_WINDOWS_RENEW_MS = LIVE_WINDOWS_TTL_MS / 2;

type Read = { at: number; until: number; windows: Promise<StoredWindow[]>; answered?: true; next?: Read };

/**
 * The maintenance windows every alert is checked against, read from the database at most once a
 * second per tenant and shared by the alerts of that second (and by those arriving while the read
 * is under way). Reading them per alert took one of the pool's connections (five on the embedded
 * stack, shared with the worker's ledger) and a turn on PGlite's one thread for every alert:
 * `npx tsx bench/ingest.ts` on the same code gave 0.80 × the raw rate reading per alert, 0.89 ×
 * and 0.90 × with this. An alert that finds its tenant's read answered and in its last half
 * second answers from it and starts the next in the background, so a tenant whose alerts keep
 * coming does not wait for a read (one alert in five did at five a second, 1–4 ms of its page):
 * at most two reads a second per tenant, each answering only while under a second old.
 *
 * What a second of staleness can and cannot do:
 * - a window opened or ended through this replica is forgotten here at once (`forget`), so its
 *   caller's next alert sees it;
 * - a window opened through another replica holds alerts here at most a second late (they page:
 *   the safe side);
 * - a window ended elsewhere (its workflow's timer, another replica) may still decide a hold here
 *   for up to a second, but the hold is recorded under the window's row lock, which refuses an
 *   ended window (ledger/maintenance-windows.ts `recordMany`), and the alert pages.
 *
 * A read that fails is not kept: the next alert reads again (a renewal that fails leaves the
 * read before it answering until its second is over). A read that hangs is given up by its
 * caller's deadline and replaced once its second is over.
 */
export class LiveWindows {
  private readonly reads = new Map<string, Read>();

  constructor(
    /** The windows of `tenant` live at some instant from `at` to `through`. */
    private readonly read: (tenant: string, at: Date, through: Date) => Promise<StoredWindow[]>,
    private readonly now: () => number = Date.now,
  ) {}

  /** The windows of `tenant` holding alerts at `at`. */
  async liveFor(tenant: string, at: Date): Promise<StoredWindow[]> {
    const t = at.getTime();
    const now = this.now();
    let kept = this.reads.get(tenant);
    // The renewal under way takes over once the read before it no longer answers.
    if (kept && !answers(kept, t, now) && kept.next && answers(kept.next, t, now)) kept = this.keep(tenant, kept.next);
    if (!kept || !answers(kept, t, now)) kept = this.keep(tenant, this.started(tenant, at));
    else if (now >= kept.until - LIVE_WINDOWS_RENEW_MS && kept.answered && !kept.next) this.renew(tenant, kept, at);
    const windows = await kept.windows;
    return windows.filter((w) => Date.parse(w.from) <= t && (w.until === null || Date.parse(w.until) > t));
  }

  /** Drops what is kept of `tenant`: a window of it was opened or ended here. */
  forget(tenant: string): void {
    this.reads.delete(tenant);
  }

  private started(tenant: string, at: Date): Read {
    const t = at.getTime();
    const read: Read = { at: t, until: this.now() + LIVE_WINDOWS_TTL_MS, windows: this.read(tenant, new Date(t - LIVE_WINDOWS_TTL_MS), new Date(t + LIVE_WINDOWS_TTL_MS)) };
    read.windows.then(
      () => {
        read.answered = true;
      },
      () => {
        if (this.reads.get(tenant) === read) this.reads.delete(tenant);
      },
    );
    return read;
  }

  /** The next read of `tenant`, which replaces `kept` once it has answered, unless `kept` was forgotten or replaced meanwhile. */
  private renew(tenant: string, kept: Read, at: Date): void {
    const next = this.started(tenant, at);
    kept.next = next;
    next.windows.then(
      () => {
        if (this.reads.get(tenant) === kept) this.keep(tenant, next);
      },
      () => {
        if (kept.next === next) kept.next = undefined;
      },
    );
  }

  private keep(tenant: string, read: Read): Read {
    this.reads.delete(tenant);
    if (this.reads.size >= LIVE_WINDOWS_TENANTS) this.reads.delete(this.reads.keys().next().value as string);
    this.reads.set(tenant, read);
    return read;
  }
}

/**
 * A read answers for alert times within a second either side of its own (it holds every window
 * live at some instant of them: requests stamped a little out of order share it) while it is
 * under a second old; an alert stamped further off (a clock that jumped) reads for itself.
 */
function answers(read: Read, t: number, now: number): boolean {
  return read.until > now && Math.abs(t - read.at) < LIVE_WINDOWS_TTL_MS;
}

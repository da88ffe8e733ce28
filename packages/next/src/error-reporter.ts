import { BoundedMap } from './bounded-map';
import { travellingError } from './client-report';
import { errorFingerprint } from './error-fingerprint';
import { forwardToKlaxon, type KlaxonTarget } from './klaxon-forwarder';
import type { ErrorReport, ErrorSurface } from './wire-format';

export interface ErrorRateLimit {
  /** A fingerprint is forwarded at most once per this many seconds; repeats in between are counted (default 60). */
  perFingerprintSeconds?: number;
  /** At most this many error reports forwarded per minute, all fingerprints together (default 30). */
  perMinute?: number;
}

/** Fingerprints remembered at once: beyond it the least recently seen is forgotten (its pending count with it). */
export const MAX_FINGERPRINTS = 10_000;
const MAX_COUNT = 1_000_000;

export interface CaughtError {
  surface: ErrorSurface;
  route: string;
  tenant?: string;
  requestId?: string;
  release?: string;
  error: { name: string; message: string; digest?: string; stack?: string };
}

export type ReportOutcome = 'forwarded' | 'rate-limited' | 'not-delivered';

interface Occurrences {
  pending: number;
  firstSeen: string;
  lastSeen: string;
  lastForwardAt?: number;
}

/**
 * Errors of one app on their way to Klaxon: redacted again (whoever sent them), grouped by
 * fingerprint, and rate-limited twice: per fingerprint (a repeat inside the window is counted,
 * not sent: the next forward carries the count) and overall per minute (a flood of distinct
 * errors cannot flood Klaxon). State is bounded (MAX_FINGERPRINTS, perMinute timestamps).
 */
export class ErrorReporter {
  private readonly seen = new BoundedMap<string, Occurrences>(MAX_FINGERPRINTS);
  private recentForwards: number[] = [];
  private readonly perFingerprintMs: number;
  private readonly perMinute: number;

  constructor(
    private readonly app: string,
    private readonly target: KlaxonTarget,
    limits: ErrorRateLimit = {},
  ) {
    this.perFingerprintMs = (limits.perFingerprintSeconds ?? 60) * 1000;
    this.perMinute = limits.perMinute ?? 30;
    if (!(this.perFingerprintMs >= 0) || !(Number.isInteger(this.perMinute) && this.perMinute >= 1)) {
      throw new Error('rateLimit: perFingerprintSeconds must be ≥ 0 and perMinute a whole number ≥ 1');
    }
  }

  async report(caught: CaughtError): Promise<ReportOutcome> {
    const error = travellingError(caught.error);
    const fingerprint = await errorFingerprint({ surface: caught.surface, route: caught.route, ...error });
    const now = Date.now();
    const at = new Date(now).toISOString();
    const entry = this.seen.get(fingerprint) ?? { pending: 0, firstSeen: at, lastSeen: at };
    if (entry.pending === 0) entry.firstSeen = at;
    entry.pending = Math.min(MAX_COUNT, entry.pending + 1);
    entry.lastSeen = at;
    this.seen.set(fingerprint, entry);

    this.recentForwards = this.recentForwards.filter((t) => now - t < 60_000);
    const fingerprintWaits = entry.lastForwardAt !== undefined && now - entry.lastForwardAt < this.perFingerprintMs;
    if (fingerprintWaits || this.recentForwards.length >= this.perMinute) return 'rate-limited';

    const report: ErrorReport = {
      kind: 'error',
      app: this.app,
      ...(caught.tenant ? { tenant: caught.tenant } : {}),
      surface: caught.surface,
      route: caught.route,
      ...(caught.release ? { release: caught.release } : {}),
      ...(caught.requestId ? { requestId: caught.requestId } : {}),
      error,
      fingerprint,
      count: entry.pending,
      firstSeen: entry.firstSeen,
      lastSeen: entry.lastSeen,
    };
    // Taken before the await: concurrent repeats see the window started and are counted for the next forward.
    entry.pending = 0;
    entry.lastForwardAt = now;
    this.recentForwards.push(now);
    if ((await forwardToKlaxon(this.target, report)) === 'accepted') return 'forwarded';
    // Not delivered: the occurrences go with the next forward (after the window: a Klaxon that is down is not hammered).
    entry.pending = Math.min(MAX_COUNT, entry.pending + report.count);
    if (entry.pending === report.count) entry.firstSeen = report.firstSeen;
    return 'not-delivered';
  }
}

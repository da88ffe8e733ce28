import type { Alert } from '../core/alerts/alert';
import { keptUntil, spikeAlerts, windowKey, type SpikeHit, type WindowTally } from '../core/sources/spike-windows';

/**
 * Where status-spike windows are counted: each log line id once per window, whichever API
 * replica takes it and however often Vercel redelivers it (core/sources/spike-windows.ts).
 */
export interface SpikeWindows {
  /** Counts the hits (a line id already in its window counts nothing) and tallies every window they touch, by windowKey. */
  count(hits: SpikeHit[], now: Date): Promise<Map<string, WindowTally>>;
  /** What these windows do not cover, said once at start; absent when shared and durable. */
  readonly limitation?: string;
}

/** The alerts of the windows the hits bring to their threshold (at most one per window); throws when the windows cannot be counted. */
export async function spikeAlertsOf(hits: SpikeHit[], windows: SpikeWindows, now: Date): Promise<Alert[]> {
  if (hits.length === 0) return [];
  return spikeAlerts(hits, await windows.count(hits, now));
}

/** Bounds the in-process windows: past it, expired windows go, then the oldest. */
export const MAX_LINES_IN_PROCESS = 100_000;

/** The windows of one API process, for when there is no database to share (no DATABASE_URL). */
export class InProcessSpikeWindows implements SpikeWindows {
  readonly limitation =
    'Vercel spike windows are counted in this process only (no DATABASE_URL): with several API replicas each counts its share of the lines, and a redelivery after a restart counts again';
  /** Window key → its line ids and expiry (ms), in the order first hit. */
  private readonly windows = new Map<string, { lines: Set<string>; until: number }>();
  private size = 0;

  async count(hits: SpikeHit[], now: Date): Promise<Map<string, WindowTally>> {
    this.forgetExpired(now.getTime());
    const tallies = new Map<string, WindowTally>();
    for (const hit of hits) {
      const key = windowKey(hit.window);
      const until = keptUntil(hit, now).getTime();
      const window = this.windows.get(key) ?? { lines: new Set<string>(), until };
      this.windows.set(key, window);
      window.until = Math.max(window.until, until);
      const tally = tallies.get(key) ?? { lines: 0, added: 0 };
      if (!window.lines.has(hit.lineId)) {
        window.lines.add(hit.lineId);
        this.size += 1;
        tally.added += 1;
      }
      tally.lines = window.lines.size;
      tallies.set(key, tally);
    }
    this.forgetOldest(new Set(tallies.keys()));
    return tallies;
  }

  private forgetExpired(now: number): void {
    for (const [key, window] of this.windows) {
      if (window.until > now) continue;
      this.size -= window.lines.size;
      this.windows.delete(key);
    }
  }

  /** Keeps the bound, sparing the windows just counted. */
  private forgetOldest(spare: Set<string>): void {
    for (const [key, window] of this.windows) {
      if (this.size <= MAX_LINES_IN_PROCESS) return;
      if (spare.has(key)) continue;
      this.size -= window.lines.size;
      this.windows.delete(key);
    }
  }
}

import type { Alert } from '../alerts/alert';

/**
 * Status-spike windows of the Vercel detectors, as pure arithmetic: the source reports each
 * matching log line as a hit, the client counts the hits in a store shared by every API
 * replica (client/spike-windows.ts), and these functions say which windows page.
 *
 * Windows are fixed, not sliding: a line belongs to the window its own timestamp falls in
 * (rounded down to a multiple of the detector's `windowSeconds`), so whichever replica takes
 * it, however late and however often Vercel redelivers it, it lands in the same window and
 * is counted there once, by its line id. A spike that straddles two windows is counted in
 * each separately.
 */

/** How long a window is kept after its last hit arrived, beyond its own length: Vercel's redeliveries of a batch come within it. */
export const SPIKE_MEMORY_SECONDS = 60 * 60;

export interface SpikeWindow {
  detector: string;
  project: string;
  /** Start of the window, ms since the epoch (a multiple of its length). */
  start: number;
}

/** A log line that matched a status-spike detector: counted in its window, paging only when the window reaches the threshold. */
export interface SpikeHit {
  window: SpikeWindow;
  lineId: string;
  threshold: number;
  windowSeconds: number;
  /** The alert the window raises should it page, built from this line. */
  alert: Alert;
}

/** A window's count once a batch's hits are in: distinct lines in all, and how many of them this batch added. */
export interface WindowTally {
  lines: number;
  added: number;
}

export function windowStart(timestamp: number, windowSeconds: number): number {
  const length = windowSeconds * 1000;
  return Math.floor(timestamp / length) * length;
}

/** One key per window, for maps (the parts cannot hold NUL: detector names and Vercel ids are text). */
export function windowKey(w: SpikeWindow): string {
  return `${w.detector}\0${w.project}\0${w.start}`;
}

/** Until when a hit's window is kept, counted from when the hit arrived (the table stays bounded by arrivals, whatever the lines' timestamps say). */
export function keptUntil(hit: SpikeHit, now: Date): Date {
  return new Date(now.getTime() + (hit.windowSeconds + SPIKE_MEMORY_SECONDS) * 1000);
}

/**
 * The alerts of the windows that page, one per window and batch. A window pages when this
 * batch brought it to its threshold, and again when a batch resends lines already counted
 * in a window at its threshold: that is Vercel retrying a batch whose answer was lost or
 * refused, and the alert of the retry has the same delivery id (one per window), so the
 * delivery memory and the incident take it at most once. New lines in a window that already
 * paged raise nothing.
 */
export function spikeAlerts(hits: SpikeHit[], tallies: ReadonlyMap<string, WindowTally>): Alert[] {
  const byWindow = new Map<string, SpikeHit[]>();
  for (const hit of hits) {
    const key = windowKey(hit.window);
    byWindow.set(key, [...(byWindow.get(key) ?? []), hit]);
  }
  const alerts: Alert[] = [];
  for (const [key, inWindow] of byWindow) {
    const tally = tallies.get(key);
    const { threshold, windowSeconds, alert, window } = inWindow[inWindow.length - 1];
    if (!tally || tally.lines < threshold) continue;
    const crossed = tally.lines - tally.added < threshold;
    const resent = new Set(inWindow.map((h) => h.lineId)).size > tally.added;
    if (!crossed && !resent) continue;
    alerts.push({
      ...alert,
      details: { ...alert.details, linesInWindow: tally.lines, threshold, windowStart: new Date(window.start).toISOString(), windowSeconds },
    });
  }
  return alerts;
}

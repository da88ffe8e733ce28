import type { Pool } from 'pg';
import { keptUntil, windowKey, type SpikeHit, type WindowTally } from '../core/sources/spike-windows';

/** Expired windows are purged at most this often per process. */
const PURGE_INTERVAL_MS = 60_000;

/**
 * Spike windows in the ledger database (tables `spike_windows`, `spike_window_lines`), shared
 * by every API replica and kept across restarts. One statement per batch inserts the line ids
 * (a line already counted inserts nothing) and adds what it inserted to each window's count
 * under the count row's lock, so replicas counting the same window concurrently queue there
 * and each reads the count its own lines made. Rows are inserted in key order: every statement
 * locks them in the same order, so two batches cannot deadlock. The database being away
 * throws: the caller decides (client/api/alerts.ts).
 */
export class DatabaseSpikeWindows {
  private lastPurge = 0;

  constructor(
    private readonly db: Pool,
    private readonly log: (line: string) => void = (line) => console.error(line),
  ) {}

  async count(hits: SpikeHit[], now: Date): Promise<Map<string, WindowTally>> {
    // A line twice in one batch is one line (and one row may not be inserted twice by a statement).
    const unique = [...new Map(hits.map((h) => [`${windowKey(h.window)}\0${h.lineId}`, h])).values()];
    const until = new Map<string, Date>();
    for (const h of unique) {
      const key = windowKey(h.window);
      const at = keptUntil(h, now);
      if (!until.has(key) || until.get(key)! < at) until.set(key, at);
    }
    const r = await this.db.query<{ detector: string; project: string; window_start: string; lines: number; added: number }>(
      `WITH hit AS (
         SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::timestamptz[]) AS h(detector, project, window_start, line_id, expires_at)
       ), added AS (
         INSERT INTO spike_window_lines (detector, project, window_start, line_id)
         SELECT detector, project, window_start, line_id FROM hit ORDER BY detector, project, window_start, line_id
         ON CONFLICT DO NOTHING
         RETURNING detector, project, window_start
       ), per_window AS (
         SELECT h.detector, h.project, h.window_start, max(h.expires_at) AS expires_at,
                (SELECT count(*) FROM added a WHERE (a.detector, a.project, a.window_start) = (h.detector, h.project, h.window_start))::int AS added
         FROM hit h GROUP BY h.detector, h.project, h.window_start
       ), counted AS (
         INSERT INTO spike_windows (detector, project, window_start, lines, expires_at)
         SELECT detector, project, window_start, added, expires_at FROM per_window ORDER BY detector, project, window_start
         ON CONFLICT (detector, project, window_start) DO UPDATE
           SET lines = spike_windows.lines + EXCLUDED.lines, expires_at = GREATEST(spike_windows.expires_at, EXCLUDED.expires_at)
         RETURNING detector, project, window_start, lines
       )
       SELECT c.detector, c.project, c.window_start, c.lines, p.added
       FROM counted c JOIN per_window p USING (detector, project, window_start)`,
      [
        unique.map((h) => h.window.detector),
        unique.map((h) => h.window.project),
        unique.map((h) => String(h.window.start)),
        unique.map((h) => h.lineId),
        unique.map((h) => until.get(windowKey(h.window))!),
      ],
    );
    await this.purge(now);
    return new Map(r.rows.map((row) => [windowKey({ detector: row.detector, project: row.project, start: Number(row.window_start) }), { lines: row.lines, added: row.added }]));
  }

  /** Drops expired windows with their lines; a failure is logged, the count stands. */
  private async purge(now: Date): Promise<void> {
    if (now.getTime() - this.lastPurge < PURGE_INTERVAL_MS) return;
    this.lastPurge = now.getTime();
    try {
      await this.db.query(
        `WITH gone AS (DELETE FROM spike_windows WHERE expires_at <= $1 RETURNING detector, project, window_start)
         DELETE FROM spike_window_lines l USING gone g WHERE (l.detector, l.project, l.window_start) = (g.detector, g.project, g.window_start)`,
        [now],
      );
    } catch (err) {
      this.log(`klaxon: expired Vercel spike windows were not purged, the ledger database did not answer: ${(err as Error).message}`);
    }
  }
}

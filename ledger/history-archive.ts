import { createHash } from 'node:crypto';
import type { Pool } from 'pg';
import { databaseStep } from './database-error';

export interface ArchivedRun {
  runId: string;
  incidentId: string;
  status: string;
  closedAt?: string;
  eventCount: number;
  sha256: string;
  /** The run's history as Temporal's binary protobuf (temporal.api.history.v1.History). */
  history: Buffer;
  archivedAt: string;
}

export const sha256Of = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

/** Closed runs' Temporal histories, kept beside the ledger (append-only, like it). */
export class HistoryArchive {
  constructor(private readonly db: Pool) {}

  /** Stores a run's history once; a second save of the same run is a no-op. Returns whether it was new. */
  async save(run: Omit<ArchivedRun, 'archivedAt' | 'sha256'>): Promise<{ sha256: string; stored: boolean }> {
    const sha256 = sha256Of(run.history);
    const r = await databaseStep('save a run history to the archive', () => this.db.query(
      `INSERT INTO history_archives (run_id, incident_id, status, closed_at, event_count, sha256, history)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (run_id) DO NOTHING`,
      [run.runId, run.incidentId, run.status, run.closedAt ?? null, run.eventCount, sha256, run.history],
    ));
    return { sha256, stored: r.rowCount === 1 };
  }

  /** The latest close time of an archived run: the archiver's watermark. */
  async latestClosedAt(): Promise<Date | undefined> {
    const r = await databaseStep('read the archive watermark', () => this.db.query<{ latest: Date | null }>('SELECT max(closed_at) AS latest FROM history_archives'));
    return r.rows[0].latest ?? undefined;
  }

  /**
   * Runs `work` unless another process (a worker replica) is already sweeping: one sweep at a
   * time across replicas, by a session advisory lock on one connection. Undefined when skipped.
   */
  async exclusively<T>(work: () => Promise<T>): Promise<T | undefined> {
    const client = await this.db.connect();
    try {
      const locked = (await client.query<{ ok: boolean }>(`SELECT pg_try_advisory_lock(hashtext('klaxon-history-archiver')) AS ok`)).rows[0].ok;
      if (!locked) return undefined;
      try {
        return await work();
      } finally {
        await client.query(`SELECT pg_advisory_unlock(hashtext('klaxon-history-archiver'))`);
      }
    } finally {
      client.release();
    }
  }

  async archivedRunIds(runIds: string[]): Promise<Set<string>> {
    if (runIds.length === 0) return new Set();
    const r = await databaseStep('read the archived runs', () => this.db.query<{ run_id: string }>('SELECT run_id FROM history_archives WHERE run_id = ANY($1)', [runIds]));
    return new Set(r.rows.map((row) => row.run_id));
  }

  async runs(incidentId: string): Promise<ArchivedRun[]> {
    const r = await databaseStep('read an incident\'s archived runs', () =>
      this.db.query<{ run_id: string; incident_id: string; status: string; closed_at: Date | null; event_count: number; sha256: string; history: Buffer; archived_at: Date }>(
        'SELECT * FROM history_archives WHERE incident_id = $1 ORDER BY archived_at, run_id',
        [incidentId],
      ),
    );
    return r.rows.map((row) => ({
      runId: row.run_id,
      incidentId: row.incident_id,
      status: row.status,
      ...(row.closed_at ? { closedAt: row.closed_at.toISOString() } : {}),
      eventCount: row.event_count,
      sha256: row.sha256,
      history: row.history,
      archivedAt: row.archived_at.toISOString(),
    }));
  }
}

import type { Pool } from 'pg';
import { LedgerStore, PURGE_KIND } from './store';

/** The pseudo-incident whose chain holds the ledger's own records (purges). */
export const LEDGER_RECORDS = '_ledger';

export interface PurgePlan {
  retentionDays: number;
  /** Incidents whose last event is older than the retention, with the head of their chain. */
  incidents: Array<{ incidentId: string; events: number; lastEventAt: string; headSeq: number; headHash: string }>;
  events: number;
}

/**
 * Retention: incidents with no event for `retentionDays` may be removed from the ledger (and
 * their archived histories with them). The removal is recorded first, in the ledger itself:
 * a `ledger.purged` event listing each removed event's global place and link, so the global
 * chain still verifies across the gap, and an unrecorded removal is still caught. Only the
 * database owner can run it (it switches the append-only triggers off for the deletion).
 */
export class Retention {
  constructor(
    private readonly db: Pool,
    private readonly ledger: LedgerStore,
  ) {}

  /** What a purge would remove now (nothing is changed). */
  async plan(retentionDays: number, now: Date): Promise<PurgePlan> {
    return this.planIn(this.db, retentionDays, now);
  }

  private async planIn(db: Pick<Pool, 'query'>, retentionDays: number, now: Date): Promise<PurgePlan> {
    const before = new Date(now.getTime() - retentionDays * 86_400_000).toISOString();
    const r = await db.query<{ incident_id: string; events: string; last: Date; head_seq: number; head_hash: string }>(
      `SELECT e.incident_id, count(*) AS events, max(e.occurred_at) AS last,
              max(e.seq) AS head_seq, (array_agg(e.hash ORDER BY e.seq DESC))[1] AS head_hash
       FROM ledger_events e WHERE e.incident_id <> $2
       GROUP BY e.incident_id HAVING max(e.occurred_at) < $1 ORDER BY e.incident_id`,
      [before, LEDGER_RECORDS],
    );
    const incidents = r.rows.map((row) => ({ incidentId: row.incident_id, events: Number(row.events), lastEventAt: row.last.toISOString(), headSeq: Number(row.head_seq), headHash: row.head_hash }));
    return { retentionDays, incidents, events: incidents.reduce((n, i) => n + i.events, 0) };
  }

  /**
   * In one transaction holding the ledger's lock (so nothing is appended meanwhile): plans,
   * records the purge in the ledger, and removes the events and archives it names.
   */
  async purge(retentionDays: number, now: Date): Promise<PurgePlan> {
    return this.ledger.locked(async (client) => {
      const plan = await this.planIn(client, retentionDays, now);
      if (plan.incidents.length === 0) return plan;
      const ids = plan.incidents.map((i) => i.incidentId);
      const removed = await client.query<{ global_seq: string; global_hash: string }>(
        'SELECT global_seq, global_hash FROM ledger_events WHERE incident_id = ANY($1) AND global_seq IS NOT NULL ORDER BY global_seq',
        [ids],
      );
      await this.ledger.appendIn(client, {
        incidentId: LEDGER_RECORDS,
        stepKey: `${LEDGER_RECORDS}/purge/${now.toISOString()}`,
        kind: PURGE_KIND,
        occurredAt: now.toISOString(),
        actor: { type: 'system', name: 'klaxon-retention' },
        payload: { retentionDays, incidents: plan.incidents, removed: removed.rows.map((row) => [Number(row.global_seq), row.global_hash]) },
      });
      for (const table of ['ledger_events', 'history_archives']) {
        await client.query(`ALTER TABLE ${table} DISABLE TRIGGER ${table}_no_update_or_delete`);
        await client.query(`DELETE FROM ${table} WHERE incident_id = ANY($1)`, [ids]);
        await client.query(`ALTER TABLE ${table} ENABLE TRIGGER ${table}_no_update_or_delete`);
      }
      return plan;
    });
  }
}

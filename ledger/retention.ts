import type { Pool } from 'pg';
import { databaseStep } from './database-error';
import { LEDGER_RECORDS, PURGE_KIND, signPurge, type PurgedIncident, type RemovedEvent } from './purge-record';
import type { LedgerKey } from './signing';
import type { LedgerStore } from './store';

export interface PurgePlan {
  retentionDays: number;
  /** Incidents whose last event is older than the retention, with the head of their chain. */
  incidents: PurgedIncident[];
  events: number;
}

/**
 * Retention: incidents with no event for `retentionDays` may be removed from the ledger (and
 * their archived histories with them). The removal is recorded first, in the ledger itself:
 * a `ledger.purged` event listing each removed event's global place, incident, hash and link,
 * so the global chain still recomputes across the gap, signed with the ledger key (which the
 * database does not hold), so a record forged to hide a deletion is refused by verification.
 * Only the database owner can run it (it switches the append-only triggers off for the
 * deletion), and only with the ledger's private key.
 */
export class Retention {
  constructor(
    private readonly db: Pool,
    private readonly ledger: LedgerStore,
  ) {}

  /** What a purge would remove now (nothing is changed). */
  async plan(retentionDays: number, now: Date): Promise<PurgePlan> {
    return databaseStep('plan a purge', () => this.planIn(this.db, retentionDays, now));
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
  async purge(retentionDays: number, now: Date, key: LedgerKey): Promise<PurgePlan> {
    return this.ledger.locked('purge incidents past retention', async (client) => {
      const plan = await this.planIn(client, retentionDays, now);
      if (plan.incidents.length === 0) return plan;
      const ids = plan.incidents.map((i) => i.incidentId);
      const removed = await client.query<{ global_seq: string; incident_id: string; hash: string; global_hash: string }>(
        'SELECT global_seq, incident_id, hash, global_hash FROM ledger_events WHERE incident_id = ANY($1) AND global_seq IS NOT NULL ORDER BY global_seq',
        [ids],
      );
      const stepKey = `${LEDGER_RECORDS}/purge/${now.toISOString()}`;
      const occurredAt = now.toISOString();
      const list = removed.rows.map((row): RemovedEvent => [Number(row.global_seq), row.incident_id, row.hash, row.global_hash]);
      await this.ledger.appendIn(client, {
        incidentId: LEDGER_RECORDS,
        stepKey,
        kind: PURGE_KIND,
        occurredAt,
        actor: { type: 'system', name: 'klaxon-retention' },
        payload: { ...signPurge(key, { stepKey, occurredAt, retentionDays, incidents: plan.incidents, removed: list }) },
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

import type { Pool } from 'pg';
import { databaseStep } from './database-error';
import type { LedgerEvent } from './event';

/**
 * When each of `kinds` first happened in an incident (its earliest event of that kind): what
 * the worker's latency metrics measure from and to (telemetry/ledger-metrics.ts), read only
 * for the few kinds that need it. One indexed read of the incident's events.
 */
export async function firstOccurrences(db: Pool, incidentId: string, kinds: string[]): Promise<Map<string, Pick<LedgerEvent, 'seq' | 'occurredAt' | 'payload'>>> {
  const r = await databaseStep("read an incident's first events", () =>
    db.query<{ kind: string; seq: number; occurred_at: Date; payload: Record<string, unknown> }>(
      'SELECT DISTINCT ON (kind) kind, seq, occurred_at, payload FROM ledger_events WHERE incident_id = $1 AND kind = ANY($2) ORDER BY kind, seq',
      [incidentId, kinds],
    ),
  );
  return new Map(r.rows.map((row) => [row.kind, { seq: row.seq, occurredAt: new Date(row.occurred_at).toISOString(), payload: row.payload }]));
}

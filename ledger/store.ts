import type { Pool } from 'pg';
import type { Actor } from '../core/incident';
import { eventHash, GENESIS_HASH } from './hash';

export interface NewLedgerEvent {
  incidentId: string;
  /** Unique per step: a retried append with the same key is a no-op. */
  stepKey: string;
  kind: string;
  occurredAt: string;
  actor: Actor;
  payload: Record<string, unknown>;
}

export interface LedgerEvent extends NewLedgerEvent {
  seq: number;
  recordedAt: string;
  prevHash: string;
  hash: string;
}

export interface VerifyResult {
  ok: boolean;
  checked: number;
  /** The first event whose hash or link does not match, when the chain is broken. */
  firstBroken?: { incidentId: string; seq: number; reason: string };
}

interface Row {
  incident_id: string;
  seq: number;
  step_key: string;
  kind: string;
  occurred_at: Date;
  recorded_at: Date;
  actor: Actor;
  payload: Record<string, unknown>;
  prev_hash: string;
  hash: string;
}

function fromRow(r: Row): LedgerEvent {
  return {
    incidentId: r.incident_id,
    seq: r.seq,
    stepKey: r.step_key,
    kind: r.kind,
    occurredAt: r.occurred_at.toISOString(),
    recordedAt: r.recorded_at.toISOString(),
    actor: r.actor,
    payload: r.payload,
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}

/**
 * The audit ledger: append-only (the database refuses UPDATE, DELETE and TRUNCATE), each event
 * chained by SHA-256 to the previous event of its incident.
 */
export class LedgerStore {
  constructor(private readonly db: Pool) {}

  /**
   * Appends an event, or returns the stored one when its step key was already written.
   * Appends to one incident are serialised by a transaction-scoped advisory lock, so the
   * head read and the insert see the same chain. (PGlite's socket server keeps a transaction
   * on its own connection too, so the embedded stack gets the same guarantee.)
   */
  async append(event: NewLedgerEvent): Promise<LedgerEvent> {
    const occurredAt = new Date(event.occurredAt).toISOString();
    const client = await this.db.connect();
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`klaxon-ledger:${event.incidentId}`]);
      const existing = await client.query<Row>('SELECT * FROM ledger_events WHERE step_key = $1', [event.stepKey]);
      if (existing.rows[0]) {
        await client.query('COMMIT');
        return fromRow(existing.rows[0]);
      }
      const head = await client.query<{ seq: number; hash: string }>(
        'SELECT seq, hash FROM ledger_events WHERE incident_id = $1 ORDER BY seq DESC LIMIT 1',
        [event.incidentId],
      );
      const seq = (head.rows[0]?.seq ?? 0) + 1;
      const prevHash = head.rows[0]?.hash ?? GENESIS_HASH;
      const hash = eventHash({ ...event, occurredAt, seq, prevHash });
      const inserted = await client.query<Row>(
        `INSERT INTO ledger_events (incident_id, seq, step_key, kind, occurred_at, actor, payload, prev_hash, hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         RETURNING *`,
        [event.incidentId, seq, event.stepKey, event.kind, occurredAt, JSON.stringify(event.actor), JSON.stringify(event.payload), prevHash, hash],
      );
      await client.query('COMMIT');
      return fromRow(inserted.rows[0]);
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  async byStepKey(stepKey: string): Promise<LedgerEvent | undefined> {
    const r = await this.db.query<Row>('SELECT * FROM ledger_events WHERE step_key = $1', [stepKey]);
    return r.rows[0] && fromRow(r.rows[0]);
  }

  async timeline(incidentId: string): Promise<LedgerEvent[]> {
    const r = await this.db.query<Row>('SELECT * FROM ledger_events WHERE incident_id = $1 ORDER BY seq', [incidentId]);
    return r.rows.map(fromRow);
  }

  /** Recomputes the chain of one incident and names the first event that does not hold. */
  async verify(incidentId: string): Promise<VerifyResult> {
    const events = await this.timeline(incidentId);
    let prevHash = GENESIS_HASH;
    for (const [i, e] of events.entries()) {
      const broken = (reason: string): VerifyResult => ({ ok: false, checked: i, firstBroken: { incidentId, seq: e.seq, reason } });
      if (e.seq !== i + 1) return broken(`expected sequence ${i + 1}, found ${e.seq}`);
      if (e.prevHash !== prevHash) return broken('does not link to the previous event');
      if (eventHash(e) !== e.hash) return broken('its content does not match its hash');
      prevHash = e.hash;
    }
    return { ok: true, checked: events.length };
  }
}

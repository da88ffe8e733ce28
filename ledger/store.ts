import type { Pool, PoolClient } from 'pg';
import type { Actor } from '../core/incident';
import { eventHash, GENESIS_HASH, globalHash } from './hash';

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
  /** Place and link in the chain across all incidents (absent on events older than it). */
  globalSeq?: number;
  globalHash?: string;
}

/** The head of the global chain: stored elsewhere, it lets anyone check later that nothing before it changed. */
export interface LedgerAnchor {
  globalSeq: number;
  globalHash: string;
  recordedAt: string;
}

export interface VerifyResult {
  ok: boolean;
  checked: number;
  /** The first event whose hash or link does not match, when the chain is broken. */
  firstBroken?: { incidentId: string; seq: number; reason: string };
}

export interface LedgerVerifyResult extends VerifyResult {
  incidents: number;
  /** Events appended before the global chain existed: checked by their incident chains only. */
  beforeGlobalChain: number;
  /** The anchor given, and whether the ledger still holds it. */
  anchor?: { globalSeq: number; held: boolean };
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
  global_seq: string | null;
  global_prev_hash: string | null;
  global_hash: string | null;
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
    ...(r.global_seq !== null ? { globalSeq: Number(r.global_seq), globalHash: r.global_hash! } : {}),
  };
}

/** The kind of the ledger's record of a purge; its payload lists every removed event's global place and link. */
export const PURGE_KIND = 'ledger.purged';

/** Whole-ledger reads go by pages of this many events (a ledger may hold millions). */
const PAGE = 2000;

/**
 * The audit ledger: append-only (the database refuses UPDATE, DELETE and TRUNCATE), each event
 * chained by SHA-256 to the previous event of its incident.
 */
export class LedgerStore {
  constructor(private readonly db: Pool) {}

  /**
   * Appends an event, or returns the stored one when its step key was already written.
   * Appends are serialised by a transaction-scoped advisory lock, so the heads read (the
   * incident's and the global chain's) and the insert see the same chains. (PGlite's socket
   * server keeps a transaction on its own connection too, so the embedded stack gets the same
   * guarantee.)
   */
  async append(event: NewLedgerEvent): Promise<LedgerEvent> {
    return this.locked((client) => this.appendIn(client, event));
  }

  /** Runs `work` in one transaction holding the ledger's lock: nothing else appends meanwhile. */
  async locked<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.db.connect();
    try {
      await client.query('BEGIN');
      await client.query(`SELECT pg_advisory_xact_lock(hashtext('klaxon-ledger'))`);
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  /** Appends within a transaction that holds the ledger's lock (see `locked`). */
  async appendIn(client: PoolClient, event: NewLedgerEvent): Promise<LedgerEvent> {
    const occurredAt = new Date(event.occurredAt).toISOString();
    const existing = await client.query<Row>('SELECT * FROM ledger_events WHERE step_key = $1', [event.stepKey]);
    if (existing.rows[0]) return fromRow(existing.rows[0]);
    const head = await client.query<{ seq: number; hash: string }>('SELECT seq, hash FROM ledger_events WHERE incident_id = $1 ORDER BY seq DESC LIMIT 1', [event.incidentId]);
    const global = await client.query<{ global_seq: string; global_hash: string }>(
      'SELECT global_seq, global_hash FROM ledger_events WHERE global_seq IS NOT NULL ORDER BY global_seq DESC LIMIT 1',
    );
    const seq = (head.rows[0]?.seq ?? 0) + 1;
    const prevHash = head.rows[0]?.hash ?? GENESIS_HASH;
    const hash = eventHash({ ...event, occurredAt, seq, prevHash });
    const globalSeq = Number(global.rows[0]?.global_seq ?? 0) + 1;
    const globalPrevHash = global.rows[0]?.global_hash ?? GENESIS_HASH;
    const inserted = await client.query<Row>(
      `INSERT INTO ledger_events (incident_id, seq, step_key, kind, occurred_at, actor, payload, prev_hash, hash, global_seq, global_prev_hash, global_hash)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
       RETURNING *`,
      [
        event.incidentId, seq, event.stepKey, event.kind, occurredAt, JSON.stringify(event.actor), JSON.stringify(event.payload), prevHash, hash,
        globalSeq, globalPrevHash, globalHash(globalSeq, globalPrevHash, hash),
      ],
    );
    return fromRow(inserted.rows[0]);
  }

  async byStepKey(stepKey: string): Promise<LedgerEvent | undefined> {
    const r = await this.db.query<Row>('SELECT * FROM ledger_events WHERE step_key = $1', [stepKey]);
    return r.rows[0] && fromRow(r.rows[0]);
  }

  async timeline(incidentId: string): Promise<LedgerEvent[]> {
    const r = await this.db.query<Row>('SELECT * FROM ledger_events WHERE incident_id = $1 ORDER BY seq', [incidentId]);
    return r.rows.map(fromRow);
  }

  /** The head of the global chain, to be kept outside the ledger. */
  async anchor(): Promise<LedgerAnchor | undefined> {
    const r = await this.db.query<{ global_seq: string; global_hash: string; recorded_at: Date }>(
      'SELECT global_seq, global_hash, recorded_at FROM ledger_events WHERE global_seq IS NOT NULL ORDER BY global_seq DESC LIMIT 1',
    );
    const row = r.rows[0];
    return row && { globalSeq: Number(row.global_seq), globalHash: row.global_hash, recordedAt: row.recorded_at.toISOString() };
  }

  /**
   * Recomputes every chain in one pass in append order: each incident's, and the global one
   * across them (which catches an incident removed whole). Names the first event that does
   * not hold; with an anchor, also checks that the ledger still holds it.
   */
  async verifyAll(anchor?: { globalSeq: number; globalHash: string }): Promise<LedgerVerifyResult> {
    const heads = new Map<string, { seq: number; hash: string }>();
    // Events removed by a recorded purge (retention): their places and links, to bridge the gaps.
    const purged = new Map<number, string>();
    const records = await this.db.query<{ payload: { removed: Array<[number, string]> } }>(`SELECT payload FROM ledger_events WHERE kind = '${PURGE_KIND}'`);
    for (const r of records.rows) for (const [seq, hash] of r.payload.removed) purged.set(seq, hash);
    // An anchor older than the retention is held by the purge record that lists it.
    let anchorHeld: boolean | undefined = anchor && purged.get(anchor.globalSeq) === anchor.globalHash ? true : undefined;
    let global = { seq: 0, hash: GENESIS_HASH };
    let checked = 0;
    let beforeGlobalChain = 0;
    const result = (firstBroken?: VerifyResult['firstBroken']): LedgerVerifyResult => ({
      ok: !firstBroken && anchorHeld !== false,
      checked,
      incidents: heads.size,
      beforeGlobalChain,
      ...(firstBroken ? { firstBroken } : {}),
      ...(anchor ? { anchor: { globalSeq: anchor.globalSeq, held: anchorHeld ?? false } } : {}),
    });
    for (let afterId = 0; ; ) {
      const page = await this.db.query<Row & { id: string }>('SELECT * FROM ledger_events WHERE id > $1 ORDER BY id LIMIT $2', [afterId, PAGE]);
      if (page.rows.length === 0) break;
      for (const row of page.rows) {
        afterId = Number(row.id);
        const e = fromRow(row);
        const broken = (reason: string) => result({ incidentId: e.incidentId, seq: e.seq, reason });
        const head = heads.get(e.incidentId) ?? { seq: 0, hash: GENESIS_HASH };
        if (e.seq !== head.seq + 1) return broken(`expected sequence ${head.seq + 1} of ${e.incidentId}, found ${e.seq}`);
        if (e.prevHash !== head.hash) return broken('does not link to the previous event of its incident');
        if (eventHash(e) !== e.hash) return broken('its content does not match its hash');
        heads.set(e.incidentId, { seq: e.seq, hash: e.hash });
        if (e.globalSeq === undefined) {
          if (global.seq > 0) return broken('has no place in the global chain, though events before it have');
          beforeGlobalChain += 1;
        } else {
          // A gap is allowed only where a purge record lists every event missing, with its link.
          while (e.globalSeq > global.seq + 1 && purged.has(global.seq + 1)) global = { seq: global.seq + 1, hash: purged.get(global.seq + 1)! };
          if (e.globalSeq !== global.seq + 1) return broken(`expected global sequence ${global.seq + 1}, found ${e.globalSeq}: events are missing before it`);
          if (row.global_prev_hash !== global.hash || globalHash(e.globalSeq, global.hash, e.hash) !== e.globalHash) return broken('does not link to the previous event of the global chain');
          global = { seq: e.globalSeq, hash: e.globalHash! };
          if (anchor && e.globalSeq === anchor.globalSeq) anchorHeld = e.globalHash === anchor.globalHash;
        }
        checked += 1;
      }
    }
    return result();
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

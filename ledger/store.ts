import type { Pool, PoolClient } from 'pg';
import type { Actor } from '../core/incident/incident';
import { checkAnchor, type SignedAnchor } from './anchor';
import { databaseStep, LedgerDatabaseError } from './database-error';
import { eventHash, GENESIS_HASH, globalHash, HASH_VERSION } from './hash';
import { MIN_RETENTION_DAYS, PURGE_KIND, purgeRecordProblem, type PurgePayload, type RemovedEvent } from './purge-record';
import type { LedgerEvent, NewLedgerEvent } from './event';
import type { LedgerKey } from './signing';
import { substituteFor, UNSTORABLE_KIND, unstorableRecord, type UnstorableRecord } from './unstorable';

/** The head of the global chain: signed and stored elsewhere (ledger/anchor.ts), it lets anyone check later that nothing before it changed. */
/** What an append did: stored now, found written before (a retried step), or stored its `ledger.unstorable` substitute. */
export type AppendOutcome = 'stored' | 'duplicate' | 'substituted';

export interface LedgerHead {
  globalSeq: number;
  globalHash: string;
  recordedAt: string;
}

/** Where verification stopped: an event that does not hold, or (incidentId absent) global events that are missing. */
export interface BrokenAt {
  incidentId?: string;
  seq?: number;
  globalSeq?: number;
  reason: string;
}

export interface VerifyResult {
  ok: boolean;
  checked: number;
  /** The first event whose hash or link does not match, when the chain is broken. */
  firstBroken?: BrokenAt;
  /**
   * Events the database refused for good, recorded in their place as `ledger.unstorable`. They
   * do not break the chain (the substitute is chained like any event), but the record is not
   * whole there, and verification names each one.
   */
  substitutes?: UnstorableRecord[];
}

export interface LedgerVerifyResult extends VerifyResult {
  incidents: number;
  /** Events appended before the global chain existed: checked by their incident chains only. */
  beforeGlobalChain: number;
  /** Each anchor given, and whether the ledger still holds it. */
  anchors?: Array<{ globalSeq: number; takenAt: string; held: boolean }>;
  /** Purge records accepted (signed, past retention), each bridging the gaps it lists. */
  purges?: Array<{ globalSeq: number; at: string; incidents: number; events: number }>;
}

export interface VerifyOptions {
  /** Signed anchors taken earlier: each must still be held. */
  anchors?: SignedAnchor[];
  /** The ledger key (its public half suffices): checks anchors and purge records. */
  key?: LedgerKey;
  /** KLAXON_LEDGER_RETENTION_DAYS: purge records removing younger incidents are refused. */
  retentionDays?: number;
}

/** What verifying needs besides the database: the key that checks purge records, and the retention. */
export type LedgerVerifySettings = Omit<VerifyOptions, 'anchors'>;

/** What `verify` adds to one incident's own chain: the global chain from its first event to the head. */
export interface IncidentVerifyResult extends VerifyResult {
  /** Where that check began: the incident's first place in the global chain. */
  globalCheckedFrom?: number;
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
  hash_version: number;
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
    hashVersion: r.hash_version,
    prevHash: r.prev_hash,
    hash: r.hash,
    ...(r.global_seq !== null ? { globalSeq: Number(r.global_seq), globalHash: r.global_hash! } : {}),
  };
}

/** Whole-ledger reads go by pages of this many events (a ledger may hold millions). */
const PAGE = 2000;

/**
 * Checks one incident's chain event by event, in seq order: sequence, link, hash, hash
 * version. Returns the reason the event does not hold, or undefined.
 */
class IncidentChains {
  private readonly heads = new Map<string, { seq: number; hash: string; version: number }>();

  get size(): number {
    return this.heads.size;
  }

  check(e: LedgerEvent): string | undefined {
    const head = this.heads.get(e.incidentId) ?? { seq: 0, hash: GENESIS_HASH, version: 1 };
    if (e.seq !== head.seq + 1) return `expected sequence ${head.seq + 1} of ${e.incidentId}, found ${e.seq}`;
    if (e.prevHash !== head.hash) return 'does not link to the previous event of its incident';
    if (e.hashVersion < head.version) return `is hashed by version ${e.hashVersion}, though the event before it is version ${head.version}: it was written around Klaxon`;
    let hash: string;
    try {
      hash = eventHash(e);
    } catch (err) {
      return (err as Error).message;
    }
    if (hash !== e.hash) return 'its content does not match its hash';
    this.heads.set(e.incidentId, { seq: e.seq, hash: e.hash, version: e.hashVersion });
    return undefined;
  }
}

/**
 * The audit ledger: append-only (the database refuses UPDATE, DELETE and TRUNCATE), each event
 * chained by SHA-256 to the previous event of its incident and to the event appended before it.
 * Errors leave it as LedgerDatabaseError: the SQLSTATE and the step, never a stored value.
 */
export class LedgerStore {
  /** The database, for the modules that read the ledger's tables beside the store (ledger/first-occurrences.ts). */
  constructor(readonly db: Pool) {}

  /** Answers when the database does (for readiness checks). */
  async ping(): Promise<void> {
    await this.db.query('SELECT 1');
  }

  /**
   * Appends an event, or returns the stored one when its step key was already written.
   * Appends are serialised by a transaction-scoped advisory lock, so the heads read (the
   * incident's and the global chain's) and the insert see the same chains. (PGlite's socket
   * server keeps a transaction on its own connection too, so the embedded stack gets the same
   * guarantee.)
   *
   * An event the database refuses for good (see LedgerDatabaseError.permanent) is replaced by a
   * `ledger.unstorable` substitute under the same step key: the events after it of the same
   * ordered batch must not wait for ever behind it. Connection failures still throw, so the
   * caller retries.
   */
  async append(event: NewLedgerEvent): Promise<LedgerEvent> {
    return (await this.appendReporting(event)).event;
  }

  /** `append`, saying what happened: stored now, a duplicate of a step written before, or its substitute stored. */
  async appendReporting(event: NewLedgerEvent): Promise<{ event: LedgerEvent; outcome: AppendOutcome }> {
    try {
      return await this.locked('append a ledger event', (client) => this.appendIn(client, event));
    } catch (err) {
      if (!(err instanceof LedgerDatabaseError && err.permanent)) throw err;
      const substitute = substituteFor(event, err, new Date());
      const done = await this.locked('append the substitute of an unstorable ledger event', (client) => this.appendIn(client, substitute));
      return { event: done.event, outcome: done.outcome === 'stored' ? 'substituted' : done.outcome };
    }
  }

  /** Runs `work` in one transaction holding the ledger's lock: nothing else appends meanwhile. */
  async locked<T>(step: string, work: (client: PoolClient) => Promise<T>): Promise<T> {
    return databaseStep(step, async () => {
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
    });
  }

  /** Appends within a transaction that holds the ledger's lock (see `locked`). */
  async appendIn(client: PoolClient, event: NewLedgerEvent): Promise<{ event: LedgerEvent; outcome: 'stored' | 'duplicate' }> {
    const existing = await client.query<Row>('SELECT * FROM ledger_events WHERE step_key = $1', [event.stepKey]);
    if (existing.rows[0]) return { event: fromRow(existing.rows[0]), outcome: 'duplicate' };
    // An instant the database cannot read is its to refuse (22007), like any other bad value.
    const occurred = Date.parse(event.occurredAt);
    const occurredAt = Number.isNaN(occurred) ? event.occurredAt : new Date(occurred).toISOString();
    const heads = await client.query<{ seq: number | null; hash: string | null; global_seq: string | null; global_hash: string | null; now: Date }>(
      `SELECT i.seq, i.hash, g.global_seq, g.global_hash, date_trunc('milliseconds', clock_timestamp()) AS now
       FROM (SELECT 1) one
       LEFT JOIN LATERAL (SELECT seq, hash FROM ledger_events WHERE incident_id = $1 ORDER BY seq DESC LIMIT 1) i ON true
       LEFT JOIN LATERAL (SELECT global_seq, global_hash FROM ledger_events WHERE global_seq IS NOT NULL ORDER BY global_seq DESC LIMIT 1) g ON true`,
      [event.incidentId],
    );
    const h = heads.rows[0];
    const seq = (h.seq ?? 0) + 1;
    const prevHash = h.hash ?? GENESIS_HASH;
    const recordedAt = h.now.toISOString();
    const hash = eventHash({ ...event, hashVersion: HASH_VERSION, occurredAt, recordedAt, seq, prevHash });
    const globalSeq = Number(h.global_seq ?? 0) + 1;
    const globalPrevHash = h.global_hash ?? GENESIS_HASH;
    const inserted = await client.query<Row>(
      `INSERT INTO ledger_events (incident_id, seq, step_key, kind, occurred_at, recorded_at, actor, payload, hash_version, prev_hash, hash, global_seq, global_prev_hash, global_hash)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
       RETURNING *`,
      [
        event.incidentId, seq, event.stepKey, event.kind, occurredAt, recordedAt, JSON.stringify(event.actor), JSON.stringify(event.payload), HASH_VERSION, prevHash, hash,
        globalSeq, globalPrevHash, globalHash(globalSeq, globalPrevHash, hash),
      ],
    );
    return { event: fromRow(inserted.rows[0]), outcome: 'stored' };
  }

  async byStepKey(stepKey: string): Promise<LedgerEvent | undefined> {
    const r = await databaseStep('read a ledger event', () => this.db.query<Row>('SELECT * FROM ledger_events WHERE step_key = $1', [stepKey]));
    return r.rows[0] && fromRow(r.rows[0]);
  }

  async timeline(incidentId: string): Promise<LedgerEvent[]> {
    const r = await databaseStep('read an incident timeline', () => this.db.query<Row>('SELECT * FROM ledger_events WHERE incident_id = $1 ORDER BY seq', [incidentId]));
    return r.rows.map(fromRow);
  }

  /** The head of the global chain, to be signed and kept outside the ledger. */
  async head(): Promise<LedgerHead | undefined> {
    const r = await databaseStep('read the head of the ledger', () =>
      this.db.query<{ global_seq: string; global_hash: string; recorded_at: Date }>(
        'SELECT global_seq, global_hash, recorded_at FROM ledger_events WHERE global_seq IS NOT NULL ORDER BY global_seq DESC LIMIT 1',
      ),
    );
    const row = r.rows[0];
    return row && { globalSeq: Number(row.global_seq), globalHash: row.global_hash, recordedAt: row.recorded_at.toISOString() };
  }

  /**
   * Recomputes every chain in one pass in append order: each incident's, and the global one
   * across them (which catches an incident removed whole). A gap in the global chain is
   * bridged only by a purge record signed with the ledger key, for incidents past retention at
   * its time, whose listed links recompute across the gap. Each anchor given must still be
   * held. Names the first event that does not hold (or the global events missing), and lists
   * the substitutes of unstorable events.
   */
  async verifyAll(options: VerifyOptions = {}): Promise<LedgerVerifyResult> {
    return this.verifyFrom(options);
  }

  /**
   * verifyAll, or (with `fromGlobalSeq`) its global part from that place on: every link and
   * every gap of the global chain from there to the head, trusting the link into that place
   * (incident chains are not checked there: those that began before it cannot be).
   */
  private async verifyFrom(options: VerifyOptions & { fromGlobalSeq?: number }): Promise<LedgerVerifyResult> {
    const from = options.fromGlobalSeq;
    const { key } = options;
    for (const a of options.anchors ?? []) checkAnchor(key, a);
    const anchors = [...(options.anchors ?? [])].sort((a, b) => a.globalSeq - b.globalSeq);
    const held = new Map<SignedAnchor, boolean>();
    const minRetention = options.retentionDays ?? MIN_RETENTION_DAYS;

    // Purge records first: a gap comes before the record that explains it.
    const records = await databaseStep('read the purge records', () => this.db.query<Row>('SELECT * FROM ledger_events WHERE kind = $1', [PURGE_KIND]));
    const refused = new Map<number | undefined, string>();
    const purged = new Map<number, RemovedEvent>();
    const purges: NonNullable<LedgerVerifyResult['purges']> = [];
    for (const r of records.rows.map(fromRow)) {
      const problem = purgeRecordProblem(r, key, minRetention);
      if (problem) {
        refused.set(r.globalSeq, problem);
        continue;
      }
      const p = r.payload as unknown as PurgePayload;
      for (const removed of p.removed) purged.set(removed[0], removed);
      purges.push({ globalSeq: r.globalSeq!, at: r.occurredAt, incidents: p.incidents.length, events: p.incidents.reduce((n, i) => n + i.events, 0) });
    }
    const refusedNote = refused.size ? ` (purge record(s) at global event ${[...refused.keys()].join(', ')} not accepted: ${[...refused.values()][0]})` : '';

    const chains = new IncidentChains();
    const substitutes: UnstorableRecord[] = [];
    let global = { seq: 0, hash: GENESIS_HASH };
    if (from !== undefined) {
      const start = await databaseStep('read the ledger', () => this.db.query<{ global_prev_hash: string }>('SELECT global_prev_hash FROM ledger_events WHERE global_seq = $1', [from]));
      global = { seq: from - 1, hash: start.rows[0]?.global_prev_hash ?? GENESIS_HASH };
    }
    let globalVersion = 1;
    let lastHeld: SignedAnchor | undefined;
    let checked = 0;
    let beforeGlobalChain = 0;
    const result = (firstBroken?: BrokenAt): LedgerVerifyResult => ({
      ok: !firstBroken,
      checked,
      incidents: chains.size,
      beforeGlobalChain,
      ...(firstBroken ? { firstBroken } : {}),
      ...(substitutes.length ? { substitutes } : {}),
      ...(anchors.length ? { anchors: anchors.map((a) => ({ globalSeq: a.globalSeq, takenAt: a.takenAt, held: held.get(a) ?? false })) } : {}),
      ...(purges.length ? { purges } : {}),
    });
    /** Compares the global link at `seq` with every anchor of that place; the reason when one differs. */
    const anchorsAt = (seq: number, link: string): string | undefined => {
      for (const a of anchors.filter((x) => x.globalSeq === seq)) {
        held.set(a, a.globalHash === link);
        if (a.globalHash !== link) {
          const since = lastHeld ? `, after global event ${lastHeld.globalSeq} (held by the anchor of ${lastHeld.takenAt})` : '';
          return `differs from the anchor signed ${a.takenAt}: the ledger was rewritten at or before this event${since}`;
        }
        lastHeld = a;
      }
      return undefined;
    };

    for (let afterId = 0; ; ) {
      const page = await databaseStep('read the ledger', () =>
        from === undefined
          ? this.db.query<Row & { id: string }>('SELECT * FROM ledger_events WHERE id > $1 ORDER BY id LIMIT $2', [afterId, PAGE])
          : this.db.query<Row & { id: string }>('SELECT * FROM ledger_events WHERE id > $1 AND global_seq >= $3 ORDER BY id LIMIT $2', [afterId, PAGE, from]),
      );
      if (page.rows.length === 0) break;
      for (const row of page.rows) {
        afterId = Number(row.id);
        const e = fromRow(row);
        const broken = (reason: string) => result({ incidentId: e.incidentId, seq: e.seq, ...(e.globalSeq !== undefined ? { globalSeq: e.globalSeq } : {}), reason });
        const chainProblem = from === undefined ? chains.check(e) : undefined;
        if (chainProblem) return broken(chainProblem);
        if (e.globalSeq === undefined) {
          if (global.seq > 0) return broken('has no place in the global chain, though events before it have');
          beforeGlobalChain += 1;
        } else {
          // A gap is allowed only where an accepted purge record lists every event missing, with links that recompute.
          while (e.globalSeq > global.seq + 1 && purged.has(global.seq + 1)) {
            const [seq, , hash, link] = purged.get(global.seq + 1)!;
            if (globalHash(seq, global.hash, hash) !== link) return broken(`the purge record's link of removed global event ${seq} does not recompute`);
            global = { seq, hash: link };
            const differs = anchorsAt(seq, link);
            if (differs) return result({ globalSeq: seq, reason: `removed global event ${seq} ${differs}` });
          }
          if (e.globalSeq !== global.seq + 1) return broken(`expected global sequence ${global.seq + 1}, found ${e.globalSeq}: events are missing before it${refusedNote}`);
          if (row.global_prev_hash !== global.hash || globalHash(e.globalSeq, global.hash, e.hash) !== e.globalHash) return broken('does not link to the previous event of the global chain');
          if (e.hashVersion < globalVersion) return broken(`is hashed by version ${e.hashVersion}, though events before it are version ${globalVersion}: it was written around Klaxon`);
          globalVersion = e.hashVersion;
          global = { seq: e.globalSeq, hash: e.globalHash! };
          const differs = anchorsAt(e.globalSeq, e.globalHash!);
          if (differs) return broken(differs);
        }
        if (e.kind === PURGE_KIND && refused.has(e.globalSeq)) return broken(`is not an acceptable purge record: ${refused.get(e.globalSeq)}`);
        if (e.kind === UNSTORABLE_KIND) substitutes.push(unstorableRecord(e));
        checked += 1;
      }
    }
    // An anchor beyond the end: the tail of the ledger was removed.
    const beyond = anchors.find((a) => a.globalSeq > global.seq);
    if (beyond) {
      return result({
        globalSeq: global.seq + 1,
        reason: `global events ${global.seq + 1}…${beyond.globalSeq} are missing: the ledger ends at global event ${global.seq}, but the anchor signed ${beyond.takenAt} holds ${beyond.globalSeq}`,
      });
    }
    return result();
  }

  /**
   * Recomputes the chain of one incident and the global chain from its first event to the head,
   * names the first event that does not hold, and lists the incident's substitutes. The global
   * part is what catches the incident's tail deleted (a gap where its events were) or a later
   * event rewritten; only an anchor catches the ledger's own tail removed from the end.
   */
  async verify(incidentId: string, options: LedgerVerifySettings = {}): Promise<IncidentVerifyResult> {
    const events = await this.timeline(incidentId);
    const chains = new IncidentChains();
    const substitutes: UnstorableRecord[] = [];
    for (const [i, e] of events.entries()) {
      const problem = chains.check(e);
      if (problem) return { ok: false, checked: i, firstBroken: { incidentId, seq: e.seq, reason: problem }, ...(substitutes.length ? { substitutes } : {}) };
      if (e.kind === UNSTORABLE_KIND) substitutes.push(unstorableRecord(e));
    }
    const own = { checked: events.length, ...(substitutes.length ? { substitutes } : {}) };
    const first = events.find((e) => e.globalSeq !== undefined)?.globalSeq;
    if (first === undefined) return { ok: true, ...own };
    const since = await this.verifyFrom({ ...options, fromGlobalSeq: first });
    if (since.firstBroken) {
      return { ok: false, ...own, globalCheckedFrom: first, firstBroken: { ...since.firstBroken, reason: `the ledger since this incident began does not hold: ${since.firstBroken.reason}` } };
    }
    return { ok: true, ...own, globalCheckedFrom: first };
  }
}

import type { PoolClient } from 'pg';
import { signAnchor, type SignedAnchor } from '../../ledger/anchor';
import { openDatabase } from '../../ledger/database';
import { canonicalJson, eventHash, globalHash } from '../../ledger/hash';
import { signPurge, type RemovedEvent } from '../../ledger/purge-record';
import { Retention } from '../../ledger/retention';
import type { LedgerEvent, NewLedgerEvent } from '../../ledger/event';
import { LedgerStore } from '../../ledger/store';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { testEvent } from '../support/ledger-events';
import { testLedgerKey } from '../support/ledger-key';

/**
 * Tampering with the ledger as its owner can (triggers switched off, hashes recomputed, purge
 * records forged) and as the runtime role can (appends only): verification catches each and
 * names the first event that does not hold, or, where no chain can (a new append by a holder of
 * INSERT), the test shows the control that does.
 *
 * One ledger for the file: each case snapshots the table, tampers, checks, and puts it back.
 */
let db: TestDatabase;
let store: LedgerStore;
const ledger = testLedgerKey();
const attacker = testLedgerKey();

const RECENT = '2026-11-24T10:00:00.000Z';
const OLD = '2024-06-01T10:00:00.000Z';
const ev = (incidentId: string, n: number, occurredAt = RECENT): NewLedgerEvent =>
  testEvent({
    incidentId,
    stepKey: `${incidentId}/${n}`,
    kind: n === 1 ? 'alert.received' : 'incident.acknowledged',
    occurredAt,
    actor: { type: 'responder', name: 'alice', via: 'cli' },
    payload: { n, title: `event ${n} of ${incidentId}` },
  });

/** Global order: inc-a 1, inc-b 1, inc-a 2, inc-old 1, inc-b 2, inc-a 3, inc-old 2, inc-b 3. */
const APPENDS: Array<[string, number, string?]> = [['inc-a', 1], ['inc-b', 1], ['inc-a', 2], ['inc-old', 1, OLD], ['inc-b', 2], ['inc-a', 3], ['inc-old', 2, OLD], ['inc-b', 3]];

beforeAll(async () => {
  db = await createTestDatabase();
  store = new LedgerStore(db.pool);
  for (const [incident, n, at] of APPENDS) await store.append(ev(incident, n, at));
});
afterAll(() => db.drop());

const verifyAll = (anchors?: SignedAnchor[]) => store.verifyAll({ key: ledger.key, ...(anchors ? { anchors } : {}) });
const anchorNow = async (): Promise<SignedAnchor> => signAnchor(ledger.key, (await store.head())!, new Date());
const eventAt = async (globalSeq: number): Promise<LedgerEvent> => (await store.timeline((await db.pool.query('SELECT incident_id FROM ledger_events WHERE global_seq = $1', [globalSeq])).rows[0].incident_id)).find((e) => e.globalSeq === globalSeq)!;

/** Runs `tamper` as the owner with the append-only triggers off, then `check`, then restores the ledger as it was. */
async function tampered(tamper: string | ((owner: PoolClient) => Promise<void>), check: () => Promise<void>): Promise<void> {
  const owner = await db.pool.connect();
  const triggers = async (on: boolean) => owner.query(`ALTER TABLE ledger_events ${on ? 'ENABLE' : 'DISABLE'} TRIGGER USER`);
  try {
    await owner.query('CREATE TEMP TABLE snapshot AS TABLE ledger_events');
    await triggers(false);
    if (typeof tamper === 'string') await owner.query(tamper);
    else await tamper(owner);
    await triggers(true);
    await check();
  } finally {
    await triggers(false);
    await owner.query('DELETE FROM ledger_events');
    await owner.query('INSERT INTO ledger_events SELECT * FROM snapshot');
    await owner.query('DROP TABLE snapshot');
    await triggers(true);
    owner.release();
  }
}

/**
 * What an owner who knows the code does: change one event, then recompute its hash and every
 * hash and link after it, in its incident and in the global chain, so every chain holds again.
 */
async function rewriteWithRecomputedHashes(owner: PoolClient, fromGlobalSeq: number, change: (e: LedgerEvent) => void): Promise<void> {
  const rows = (await owner.query('SELECT id, global_seq FROM ledger_events WHERE global_seq >= $1 ORDER BY global_seq', [fromGlobalSeq])).rows as Array<{ id: string }>;
  const heads = new Map<string, string>();
  let globalPrev = (await owner.query('SELECT global_hash FROM ledger_events WHERE global_seq = $1', [fromGlobalSeq - 1])).rows[0]?.global_hash;
  for (const [i, { id }] of rows.entries()) {
    const e = (await store.timeline((await owner.query('SELECT incident_id FROM ledger_events WHERE id = $1', [id])).rows[0].incident_id)).find((x) => x.globalSeq === fromGlobalSeq + i)!;
    if (i === 0) change(e);
    e.prevHash = heads.get(e.incidentId) ?? e.prevHash;
    e.hash = eventHash(e);
    heads.set(e.incidentId, e.hash);
    e.globalHash = globalHash(e.globalSeq!, globalPrev, e.hash);
    await owner.query('UPDATE ledger_events SET payload = $2, prev_hash = $3, hash = $4, global_prev_hash = $5, global_hash = $6 WHERE id = $1', [
      id, JSON.stringify(e.payload), e.prevHash, e.hash, globalPrev, e.globalHash,
    ]);
    globalPrev = e.globalHash;
  }
}

describe('tampering with the ledger', () => {
  it('is not there to begin with', async () => {
    expect(await verifyAll([await anchorNow()])).toMatchObject({ ok: true, checked: 8, incidents: 3, anchors: [{ globalSeq: 8, held: true }] });
  });

  it('a changed field, any stored field, is caught at that event', async () => {
    const target = await eventAt(3); // inc-a 2
    const changes: Record<string, string> = {
      kind: `kind = 'incident.resolved'`,
      step_key: `step_key = 'inc-a/forged'`,
      actor: `actor = '{"type":"responder","name":"mallory","via":"cli"}'`,
      payload: `payload = '{"n":2,"title":"nothing happened"}'`,
      prev_hash: `prev_hash = repeat('0', 64)`,
      hash: `hash = repeat('a', 64)`,
      hash_version: 'hash_version = 1',
      seq: 'seq = 7',
      incident_id: `incident_id = 'inc-z'`,
      global_seq: 'global_seq = 30',
      global_prev_hash: `global_prev_hash = repeat('0', 64)`,
      global_hash: `global_hash = repeat('b', 64)`,
    };
    for (const [column, set] of Object.entries(changes)) {
      await tampered(`UPDATE ledger_events SET ${set} WHERE global_seq = 3`, async () => {
        const r = await verifyAll();
        expect({ column, ok: r.ok, checked: r.checked }).toEqual({ column, ok: false, checked: 2 });
        expect(r.firstBroken).toMatchObject({ seq: column === 'seq' ? 7 : 2, globalSeq: column === 'global_seq' ? 30 : 3 });
      });
    }
    expect(target).toMatchObject({ incidentId: 'inc-a', seq: 2 });
  });

  it('a changed time, when it happened or when it was recorded, is caught at that event', async () => {
    for (const column of ['occurred_at', 'recorded_at']) {
      await tampered(`UPDATE ledger_events SET ${column} = ${column} - interval '1 day' WHERE global_seq = 5`, async () => {
        expect(await verifyAll()).toMatchObject({ ok: false, checked: 4, firstBroken: { incidentId: 'inc-b', seq: 2, globalSeq: 5, reason: 'its content does not match its hash' } });
        expect(await store.verify('inc-b')).toMatchObject({ ok: false, firstBroken: { incidentId: 'inc-b', seq: 2, reason: 'its content does not match its hash' } });
      });
    }
  });

  it('a deleted row is caught where it is missing, in its incident and in the global chain', async () => {
    await tampered('DELETE FROM ledger_events WHERE global_seq = 5', async () => {
      expect(await verifyAll()).toMatchObject({ ok: false, firstBroken: { incidentId: 'inc-a', seq: 3, globalSeq: 6, reason: 'expected global sequence 5, found 6: events are missing before it' } });
      expect(await store.verify('inc-b')).toMatchObject({ ok: false, firstBroken: { incidentId: 'inc-b', seq: 3, reason: 'expected sequence 2 of inc-b, found 3' } });
    });
  });

  it('a deleted tail: no chain can see events missing at the end; the signed anchor taken before does', async () => {
    const anchor = await anchorNow();
    await tampered('DELETE FROM ledger_events WHERE global_seq >= 7', async () => {
      // What the chains alone can say: everything left holds.
      expect(await verifyAll()).toMatchObject({ ok: true, checked: 6 });
      expect(await verifyAll([anchor])).toMatchObject({
        ok: false,
        firstBroken: { globalSeq: 7, reason: `global events 7…8 are missing: the ledger ends at global event 6, but the anchor signed ${anchor.takenAt} holds 8` },
      });
    });
    // The tail of one incident, with others' events after it, is a gap the global chain sees.
    await tampered(`DELETE FROM ledger_events WHERE incident_id = 'inc-a' AND seq = 3`, async () => {
      expect(await verifyAll()).toMatchObject({ ok: false, firstBroken: { incidentId: 'inc-old', seq: 2, globalSeq: 7, reason: 'expected global sequence 6, found 7: events are missing before it' } });
      // One incident's verification (its evidence pack, its timeline) sees it too: it checks the
      // global chain from the incident's first event on, not only the incident's own chain.
      expect(await store.verify('inc-a', { key: ledger.key })).toMatchObject({
        ok: false,
        checked: 2,
        globalCheckedFrom: 1,
        firstBroken: { incidentId: 'inc-old', globalSeq: 7, reason: 'the ledger since this incident began does not hold: expected global sequence 6, found 7: events are missing before it' },
      });
      // Nor is it only the incident whose event went: any incident that began before the gap sees it.
      expect(await store.verify('inc-old', { key: ledger.key })).toMatchObject({ ok: false, globalCheckedFrom: 4, firstBroken: { globalSeq: 7 } });
    });
  });

  it('a deleted incident is caught by the global chain', async () => {
    await tampered(`DELETE FROM ledger_events WHERE incident_id = 'inc-old'`, async () => {
      expect(await verifyAll()).toMatchObject({ ok: false, firstBroken: { incidentId: 'inc-b', seq: 2, globalSeq: 5, reason: 'expected global sequence 4, found 5: events are missing before it' } });
    });
  });

  describe('purge records', () => {
    /** A purge record as Retention writes it, for `incidentId`'s events, signed with `key` and claiming `lastEventAt`. */
    async function forgePurge(incidentId: string, key: typeof ledger.key, lastEventAt?: string): Promise<void> {
      const events = await store.timeline(incidentId);
      const removed = events.map((e): RemovedEvent => [e.globalSeq!, e.incidentId, e.hash, e.globalHash!]);
      const at = new Date().toISOString();
      const stepKey = `_ledger/purge/${at}`;
      const incidents = [{ incidentId, events: events.length, lastEventAt: lastEventAt ?? events.at(-1)!.occurredAt, headSeq: events.at(-1)!.seq, headHash: events.at(-1)!.hash }];
      await store.append({ incidentId: '_ledger', stepKey, kind: 'ledger.purged', occurredAt: at, actor: { type: 'system', name: 'klaxon-retention' }, payload: { ...signPurge(key, { stepKey, occurredAt: at, retentionDays: 365, incidents, removed }) } });
    }
    const deleteIncident = (owner: PoolClient, incidentId: string, seqFrom = 1) => owner.query('DELETE FROM ledger_events WHERE incident_id = $1 AND seq >= $2', [incidentId, seqFrom]).then(() => undefined);

    it('a forged one (signed with another key) does not excuse the gap it claims', async () => {
      await tampered(
        async (owner) => {
          await forgePurge('inc-b', attacker.key, OLD);
          await deleteIncident(owner, 'inc-b');
        },
        async () => {
          expect(await verifyAll()).toMatchObject({
            ok: false,
            firstBroken: {
              incidentId: 'inc-a',
              seq: 2,
              globalSeq: 3,
              reason: `expected global sequence 2, found 3: events are missing before it (purge record(s) at global event 9 not accepted: the purge record is signed with key ${attacker.key.keyId}, not with the ledger key ${ledger.key.keyId})`,
            },
          });
        },
      );
    });

    it('one signed with the ledger key is refused for an incident not past retention at its time, and a real one excuses no other gap', async () => {
      await tampered(
        async (owner) => {
          await forgePurge('inc-b', ledger.key);
          await deleteIncident(owner, 'inc-b');
        },
        async () => {
          expect((await verifyAll()).firstBroken?.reason).toMatch(/purge record\(s\) at global event 9 not accepted: the purge removes inc-b, whose last event \(2026-11-24T10:00:00.000Z\) was not past retention on /);
        },
      );
      // A record of the whole purged incident does not excuse an unrecorded removal elsewhere either.
      await tampered(
        async (owner) => {
          await deleteIncident(owner, 'inc-a', 3);
          await new Retention(db.pool, store).purge(365, new Date(), ledger.key);
        },
        async () => {
          expect(await verifyAll()).toMatchObject({ ok: false, firstBroken: { globalSeq: 8, reason: 'expected global sequence 6, found 8: events are missing before it' } });
        },
      );
    });

    it('an unsigned one is itself a break, where it stands', async () => {
      await tampered(
        async () => {
          await store.append(testEvent({ incidentId: '_ledger', stepKey: '_ledger/purge/forged', kind: 'ledger.purged', occurredAt: new Date().toISOString(), actor: { type: 'system', name: 'klaxon-retention' }, payload: { retentionDays: 365, incidents: [], removed: [] } }));
        },
        async () => {
          expect(await verifyAll()).toMatchObject({ ok: false, firstBroken: { incidentId: '_ledger', seq: 1, globalSeq: 9, reason: 'is not an acceptable purge record: the purge record is not signed' } });
        },
      );
    });

    it('a real one bridges its gap, and an anchor taken before it still holds', async () => {
      const anchor = await anchorNow();
      await tampered(
        async () => {
          await new Retention(db.pool, store).purge(365, new Date(), ledger.key);
        },
        async () => {
          expect(await store.timeline('inc-old')).toEqual([]);
          expect(await verifyAll([anchor])).toMatchObject({ ok: true, checked: 7, anchors: [{ globalSeq: 8, held: true }], purges: [{ globalSeq: 9, incidents: 1, events: 2 }] });
          // Without the key, a purge record proves nothing.
          expect(await store.verifyAll()).toMatchObject({ ok: false, firstBroken: { globalSeq: 5, reason: expect.stringContaining('no ledger key was given') } });
        },
      );
    });
  });

  it('a rewrite with recomputed hashes holds every chain, but not the signed anchor taken before it, which names where', async () => {
    const before = await anchorNow();
    const early = signAnchor(ledger.key, { globalSeq: 2, globalHash: (await eventAt(2)).globalHash! }, new Date());
    await tampered(
      (owner) => rewriteWithRecomputedHashes(owner, 3, (e) => (e.payload = { ...e.payload, title: 'nothing happened' })),
      async () => {
        expect(await verifyAll()).toMatchObject({ ok: true, checked: 8 });
        expect(await verifyAll([early, before])).toMatchObject({
          ok: false,
          anchors: [{ globalSeq: 2, held: true }, { globalSeq: 8, held: false }],
          firstBroken: {
            incidentId: 'inc-b',
            seq: 3,
            globalSeq: 8,
            reason: `differs from the anchor signed ${before.takenAt}: the ledger was rewritten at or before this event, after global event 2 (held by the anchor of ${early.takenAt})`,
          },
        });
      },
    );
    // An anchor made afterwards to match the rewrite cannot be signed without the key.
    const forged = { ...before, globalHash: 'c'.repeat(64) };
    await expect(verifyAll([forged])).rejects.toThrow(/does not carry a valid signature of ledger key/);
    await expect(verifyAll([signAnchor(attacker.key, { globalSeq: 8, globalHash: 'c'.repeat(64) }, new Date())])).rejects.toThrow(`was signed with key ${attacker.key.keyId}, not with the ledger key ${ledger.key.keyId}`);
  });

  describe('the runtime role (SELECT and INSERT only)', () => {
    const role = `klaxon_app_${Date.now().toString(36)}`;
    let app: LedgerStore;
    let appPool: ReturnType<typeof openDatabase>;
    beforeAll(async () => {
      await db.pool.query(`CREATE ROLE ${role} NOLOGIN`);
      // The grants the first migration documents.
      await db.pool.query(`GRANT USAGE ON SCHEMA ${db.schema} TO ${role}`);
      await db.pool.query(`GRANT SELECT, INSERT ON ledger_events TO ${role}`);
      await db.pool.query(`GRANT USAGE ON SEQUENCE ledger_events_id_seq TO ${role}`);
      appPool = openDatabase(`${db.url}${encodeURIComponent(` -c role=${role}`)}`, { max: 1 });
      app = new LedgerStore(appPool);
    });
    afterAll(async () => {
      await appPool.end();
      await db.pool.query(`DROP OWNED BY ${role}`);
      await db.pool.query(`DROP ROLE ${role}`);
    });

    it('can append a valid-looking event that no chain catches; its grants and the anchors are the controls', async () => {
      const before = await anchorNow();
      await tampered(
        async () => {
          await app.append({ ...ev('inc-a', 4), actor: { type: 'responder', name: 'mallory', via: 'cli' } });
        },
        async () => {
          // No chain can tell an append by a holder of INSERT from Klaxon's own: it verifies.
          expect(await verifyAll([before])).toMatchObject({ ok: true, checked: 9, anchors: [{ globalSeq: 8, held: true }] });
          // The anchor taken before proves it came after global event 8; the one taken after fixes it there.
          const after = await anchorNow();
          expect(after.globalSeq).toBe(9);
          // The role can do nothing else: no change, no removal, not even of its own append, no triggers off.
          for (const sql of [`UPDATE ledger_events SET actor = '{}' WHERE global_seq = 9`, 'DELETE FROM ledger_events WHERE global_seq = 9', 'TRUNCATE ledger_events', 'ALTER TABLE ledger_events DISABLE TRIGGER USER']) {
            await expect(appPool.query(sql)).rejects.toThrow(/permission denied|must be owner/);
          }
          expect(await verifyAll([before, after])).toMatchObject({ ok: true, anchors: [{ held: true }, { held: true }] });
        },
      );
    });

    it('cannot append around Klaxon unseen with an old-version hash: the chain breaks there', async () => {
      const head = (await store.head())!;
      const last = await eventAt(head.globalSeq);
      const v1 = { incidentId: 'inc-b', seq: 4, stepKey: 'inc-b/4', kind: 'incident.resolved', occurredAt: RECENT, recordedAt: RECENT, actor: { type: 'responder', name: 'mallory' }, payload: {}, prevHash: last.hash, hashVersion: 1 };
      const hash = eventHash(v1);
      await tampered(
        async () => {
          await appPool.query(
            `INSERT INTO ledger_events (incident_id, seq, step_key, kind, occurred_at, recorded_at, actor, payload, prev_hash, hash, global_seq, global_prev_hash, global_hash)
             VALUES ($1, $2, $3, $4, $5, $5, $6, $7, $8, $9, $10, $11, $12)`,
            [v1.incidentId, v1.seq, v1.stepKey, v1.kind, RECENT, canonicalJson(v1.actor), '{}', v1.prevHash, hash, head.globalSeq + 1, head.globalHash, globalHash(head.globalSeq + 1, head.globalHash, hash)],
          );
        },
        async () => {
          expect(await verifyAll()).toMatchObject({
            ok: false,
            firstBroken: { incidentId: 'inc-b', seq: 4, globalSeq: 9, reason: 'is hashed by version 1, though the event before it is version 2: it was written around Klaxon' },
          });
        },
      );
    });
  });
});

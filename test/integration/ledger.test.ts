import { migrate } from '../../ledger/migrate';
import { LedgerStore, type NewLedgerEvent } from '../../ledger/store';
import { createTestDatabase, type TestDatabase } from '../support/database';

let db: TestDatabase;
let ledger: LedgerStore;

beforeAll(async () => {
  db = await createTestDatabase();
  ledger = new LedgerStore(db.pool);
});
afterAll(() => db.drop());

const event = (incidentId: string, step: string, kind = 'alert.received'): NewLedgerEvent => ({
  incidentId,
  stepKey: `${incidentId}/${step}`,
  kind,
  occurredAt: '2026-11-24T10:00:00.123Z',
  actor: { type: 'system', name: 'klaxon' },
  payload: { step, nested: { b: 1, a: [1, 'x'] } },
});

describe('audit ledger on PostgreSQL', () => {
  it('chains events of an incident and verifies the chain', async () => {
    for (const step of ['1', '2', '3']) await ledger.append(event('inc-chain', step));
    const timeline = await ledger.timeline('inc-chain');
    expect(timeline.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(timeline[1].prevHash).toBe(timeline[0].hash);
    expect(await ledger.verify('inc-chain')).toEqual({ ok: true, checked: 3 });
  });

  it('writes a retried step once', async () => {
    const first = await ledger.append(event('inc-retry', 'page-1'));
    const again = await ledger.append(event('inc-retry', 'page-1'));
    expect(again).toEqual(first);
    expect(await ledger.timeline('inc-retry')).toHaveLength(1);
  });

  it('keeps every chain valid under concurrent appends', async () => {
    await Promise.all(Array.from({ length: 30 }, (_, i) => ledger.append(event('inc-race', String(i)))));
    const timeline = await ledger.timeline('inc-race');
    expect(timeline.map((e) => e.seq)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect((await ledger.verify('inc-race')).ok).toBe(true);
  });

  it('refuses UPDATE, DELETE and TRUNCATE in the database itself', async () => {
    await ledger.append(event('inc-locked', '1'));
    await expect(db.pool.query(`UPDATE ledger_events SET kind = 'x' WHERE incident_id = 'inc-locked'`)).rejects.toThrow(/append-only: UPDATE/);
    await expect(db.pool.query(`DELETE FROM ledger_events WHERE incident_id = 'inc-locked'`)).rejects.toThrow(/append-only: DELETE/);
    await expect(db.pool.query('TRUNCATE ledger_events')).rejects.toThrow(/append-only: TRUNCATE/);
    expect(await ledger.timeline('inc-locked')).toHaveLength(1);
  });

  it('names the first event that was tampered with', async () => {
    for (const step of ['1', '2', '3']) await ledger.append(event('inc-tamper', step));
    // Only someone who can disable triggers (the owner) can edit; verification still catches it.
    const client = await db.pool.connect();
    try {
      await client.query('ALTER TABLE ledger_events DISABLE TRIGGER ledger_events_no_update_or_delete');
      await client.query(`UPDATE ledger_events SET payload = '{"step":"forged"}' WHERE incident_id = 'inc-tamper' AND seq = 2`);
      await client.query('ALTER TABLE ledger_events ENABLE TRIGGER ledger_events_no_update_or_delete');
    } finally {
      client.release();
    }
    expect(await ledger.verify('inc-tamper')).toEqual({
      ok: false,
      checked: 1,
      firstBroken: { incidentId: 'inc-tamper', seq: 2, reason: 'its content does not match its hash' },
    });
  });

  it('applies each migration once', async () => {
    expect(await migrate(db.pool)).toEqual([]);
  });
});

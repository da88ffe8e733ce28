import { randomBytes } from 'node:crypto';
import { loadConfig } from '../../config/environment';
import { migrate } from '../../ledger/migrate';
import { signAnchor } from '../../ledger/anchor';
import { openDatabase } from '../../ledger/database';
import { HistoryArchive } from '../../ledger/history-archive';
import type { AuditEventKind } from '../../core/audit/events';
import type { NewLedgerEvent } from '../../ledger/event';
import { LedgerStore } from '../../ledger/store';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { testEvent } from '../support/ledger-events';
import { testLedgerKey } from '../support/ledger-key';
import { klaxon } from '../support/processes';

/** A ledger database of its own for the file or a describe block, dropped afterwards. */
function ownLedger(): { db: TestDatabase; store: LedgerStore } {
  const own = {} as { db: TestDatabase; store: LedgerStore };
  beforeAll(async () => {
    own.db = await createTestDatabase();
    own.store = new LedgerStore(own.db.pool);
  });
  afterAll(() => own.db.drop());
  return own;
}

const main = ownLedger();
const ledgerKey = testLedgerKey();

const event = (incidentId: string, step: string, kind: AuditEventKind = 'alert.received'): NewLedgerEvent =>
  testEvent({
    incidentId,
    stepKey: `${incidentId}/${step}`,
    kind,
    occurredAt: '2026-11-24T10:00:00.123Z',
    actor: { type: 'system', name: 'klaxon' },
    payload: { step, nested: { b: 1, a: [1, 'x'] } },
  });

/** Edits only the owner can make, by switching the append-only triggers off for a moment. */
async function asOwnerBypassingTriggers(on: TestDatabase, sql: string): Promise<void> {
  const client = await on.pool.connect();
  try {
    await client.query('ALTER TABLE ledger_events DISABLE TRIGGER ledger_events_no_update_or_delete');
    await client.query(sql);
    await client.query('ALTER TABLE ledger_events ENABLE TRIGGER ledger_events_no_update_or_delete');
  } finally {
    client.release();
  }
}

describe('audit ledger on PostgreSQL', () => {
  it('chains events of an incident and verifies the chain', async () => {
    for (const step of ['1', '2', '3']) await main.store.append(event('inc-chain', step));
    const timeline = await main.store.timeline('inc-chain');
    expect(timeline.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(timeline[1].prevHash).toBe(timeline[0].hash);
    expect(await main.store.verify('inc-chain')).toMatchObject({ ok: true, checked: 3 });
  });

  it('writes a retried step once', async () => {
    const first = await main.store.append(event('inc-retry', 'page-1'));
    const again = await main.store.append(event('inc-retry', 'page-1'));
    expect(again).toEqual(first);
    expect(await main.store.timeline('inc-retry')).toHaveLength(1);
  });

  it('keeps every chain valid under concurrent appends', async () => {
    await Promise.all(Array.from({ length: 30 }, (_, i) => main.store.append(event('inc-race', String(i)))));
    const timeline = await main.store.timeline('inc-race');
    expect(timeline.map((e) => e.seq)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect((await main.store.verify('inc-race')).ok).toBe(true);
  });

  it('refuses UPDATE, DELETE and TRUNCATE in the database itself', async () => {
    await main.store.append(event('inc-locked', '1'));
    await expect(main.db.pool.query(`UPDATE ledger_events SET kind = 'x' WHERE incident_id = 'inc-locked'`)).rejects.toThrow(/append-only: UPDATE/);
    await expect(main.db.pool.query(`DELETE FROM ledger_events WHERE incident_id = 'inc-locked'`)).rejects.toThrow(/append-only: DELETE/);
    await expect(main.db.pool.query('TRUNCATE ledger_events')).rejects.toThrow(/append-only: TRUNCATE/);
    expect(await main.store.timeline('inc-locked')).toHaveLength(1);
  });

  it('names the first event that was tampered with', async () => {
    for (const step of ['1', '2', '3']) await main.store.append(event('inc-tamper', step));
    // Only someone who can disable triggers (the owner) can edit; verification still catches it.
    await asOwnerBypassingTriggers(main.db, `UPDATE ledger_events SET payload = '{"step":"forged"}' WHERE incident_id = 'inc-tamper' AND seq = 2`);
    expect(await main.store.verify('inc-tamper')).toEqual({
      ok: false,
      checked: 1,
      firstBroken: { incidentId: 'inc-tamper', seq: 2, reason: 'its content does not match its hash' },
    });
  });

  it('applies each migration once', async () => {
    expect(await migrate(main.db.pool)).toEqual([]);
  });
});

describe('the global chain', () => {
  // A ledger of its own: the one above holds a tampered incident on purpose.
  const chain = ownLedger();

  it('links every event to the one appended before it, across incidents, and verifies as a whole', async () => {
    await chain.store.append(event('inc-g1', '1'));
    await chain.store.append(event('inc-g2', '1'));
    await chain.store.append(event('inc-g1', '2'));
    const [a, b] = await Promise.all([chain.store.timeline('inc-g1'), chain.store.timeline('inc-g2')]);
    expect([a[0].globalSeq, b[0].globalSeq, a[1].globalSeq]).toEqual([1, 2, 3]);
    expect(await chain.store.verifyAll()).toEqual({ ok: true, checked: 3, incidents: 2, beforeGlobalChain: 0 });
  });

  it('catches an incident removed whole, which its own chain cannot (an incident\'s verification checks the global chain since it began)', async () => {
    const scratch = await createTestDatabase();
    const scratchStore = new LedgerStore(scratch.pool);
    try {
      for (const [incident, step] of [['inc-keep', '1'], ['inc-gone', '1'], ['inc-gone', '2'], ['inc-keep', '2']]) await scratchStore.append(event(incident, step));
      const anchor = signAnchor(ledgerKey.key, (await scratchStore.head())!, new Date());
      expect(await scratchStore.verifyAll({ anchors: [anchor], key: ledgerKey.key })).toMatchObject({ ok: true, checked: 4, incidents: 2, anchors: [{ globalSeq: 4, held: true }] });
      await asOwnerBypassingTriggers(scratch, `DELETE FROM ledger_events WHERE incident_id = 'inc-gone'`);
      expect(await scratchStore.verify('inc-keep')).toMatchObject({
        ok: false,
        checked: 2,
        globalCheckedFrom: 1,
        firstBroken: { incidentId: 'inc-keep', seq: 2, reason: 'the ledger since this incident began does not hold: expected global sequence 2, found 4: events are missing before it' },
      });
      expect(await scratchStore.verifyAll({ anchors: [anchor], key: ledgerKey.key })).toMatchObject({
        ok: false,
        checked: 1,
        firstBroken: { incidentId: 'inc-keep', seq: 2, reason: 'expected global sequence 2, found 4: events are missing before it' },
      });
    } finally {
      await scratch.drop();
    }
  });

  it('is checked by `klaxon audit verify` and anchored by `klaxon audit anchor`', async () => {
    const cliEnv = { ...process.env, DATABASE_URL: chain.db.url, KLAXON_DATA_DIR: '/nonexistent', KLAXON_LEDGER_SIGNING_KEY_FILE: ledgerKey.file };
    await chain.store.append(event('inc-cli', '1'));
    const anchor = (await klaxon(['audit', 'anchor'], cliEnv)).stdout.split('\n')[0];
    expect(anchor).toMatch(/^klaxon-anchor:2:\d+:[0-9a-f]{64}:\d{4}-\d\d-\d\dT[\d:.]+Z:[0-9a-f]{16}:[\w-]{86}$/);
    expect((await klaxon(['audit', 'verify', '--anchor', anchor], cliEnv)).stdout).toMatch(
      /^Ledger verified: \d+ event\(s\) of \d+ incident\(s\) and the global chain, every hash and link holds\.\nThe anchor \(global event \d+, signed .*\) is held\./,
    );
    await asOwnerBypassingTriggers(chain.db, `UPDATE ledger_events SET occurred_at = occurred_at + interval '1 hour' WHERE incident_id = 'inc-cli' AND seq = 1`);
    const broken = await klaxon(['audit', 'verify', '--incident', 'inc-cli'], cliEnv).catch((e: { code: number; stderr: string }) => e);
    expect(broken).toMatchObject({ code: 1, stderr: expect.stringContaining('ledger broken at inc-cli event 1: its content does not match its hash') });
    // An anchor made up to match a rewritten ledger carries no valid signature.
    const forged = anchor.replace(/:2:(\d+):[0-9a-f]{64}:/, `:2:$1:${'a'.repeat(64)}:`);
    const whole = await klaxon(['audit', 'verify', '--anchor', forged], cliEnv).catch((e: { code: number; stderr: string }) => e);
    expect(whole).toMatchObject({ code: 1, stderr: expect.stringMatching(/does not carry a valid signature of ledger key [0-9a-f]{16}: it proves nothing/) });
  });
});

describe('retention', () => {
  const own = ownLedger();
  const at = (iso: string) => (incidentId: string, step: string): NewLedgerEvent => ({ ...event(incidentId, step), occurredAt: iso });

  it('purges incidents past it, records the purge, and the chains still verify across the gap (an unrecorded gap still does not)', async () => {
    const old = at('2024-06-01T10:00:00Z');
    const recent = at('2026-11-20T10:00:00Z');
    for (const [make, incident, step] of [[old, 'inc-2024', '1'], [recent, 'inc-2026', '1'], [old, 'inc-2024', '2'], [recent, 'inc-2026', '2']] as const) await own.store.append(make(incident, step));
    const anchor = signAnchor(ledgerKey.key, (await own.store.head())!, new Date());
    const cliEnv = { ...process.env, DATABASE_URL: own.db.url, KLAXON_DATA_DIR: '/nonexistent', KLAXON_LEDGER_SIGNING_KEY_FILE: ledgerKey.file };
    expect((await klaxon(['audit', 'purge', '--dry-run'], cliEnv)).stdout).toBe('Would purge 1 incident(s), 2 event(s) with no event for 365 days.\n');
    expect(await own.store.timeline('inc-2024')).toHaveLength(2);

    expect((await klaxon(['audit', 'purge'], cliEnv)).stdout).toBe('Purged 1 incident(s), 2 event(s) with no event for 365 days; the purge is recorded in the ledger.\n');
    expect(await own.store.timeline('inc-2024')).toEqual([]);
    const [record] = await own.store.timeline('_ledger');
    expect(record).toMatchObject({
      kind: 'ledger.purged',
      payload: {
        retentionDays: 365,
        incidents: [expect.objectContaining({ incidentId: 'inc-2024', events: 2, headSeq: 2 })],
        removed: [[1, 'inc-2024', expect.any(String), expect.any(String)], [3, 'inc-2024', expect.any(String), expect.any(String)]],
        keyId: ledgerKey.key.keyId,
        signature: expect.stringMatching(/^[\w-]{86}$/),
      },
    });
    expect(await own.store.verifyAll({ anchors: [anchor], key: ledgerKey.key })).toMatchObject({ ok: true, incidents: 2, anchors: [{ held: true }], purges: [{ incidents: 1, events: 2 }] });
    expect((await klaxon(['audit', 'verify'], cliEnv)).stdout).toMatch(/\nSigned purge record at global event 5 \(.*\) bridges 2 event\(s\) of 1 incident\(s\) past retention\./);
    expect((await klaxon(['audit', 'purge'], cliEnv)).stdout).toBe('Nothing is past the retention.\n');

    // A deletion nobody recorded is still a break.
    await asOwnerBypassingTriggers(own.db, `DELETE FROM ledger_events WHERE incident_id = 'inc-2026' AND seq = 2`);
    expect((await own.store.verifyAll({ key: ledgerKey.key })).firstBroken).toMatchObject({ incidentId: '_ledger', seq: 1, reason: 'expected global sequence 4, found 5: events are missing before it' });
  });

  it('is at least a year', () => {
    expect(() => loadConfig({ KLAXON_LEDGER_RETENTION_DAYS: '90' })).toThrow('KLAXON_LEDGER_RETENTION_DAYS="90": the ledger keeps incidents at least 365 days');
    expect(loadConfig({}).retentionDays).toBe(365);
  });
});

describe('the runtime role', () => {
  it('may add and read, and is refused update, delete and truncate by the database', async () => {
    const role = `klaxon_app_${main.db.schema.slice(-8)}`;
    const admin = await main.db.pool.connect();
    try {
      await admin.query(`CREATE ROLE ${role} NOLOGIN`);
      // The grants the first migration documents.
      await admin.query(`GRANT USAGE ON SCHEMA ${main.db.schema} TO ${role}`);
      await admin.query(`GRANT SELECT, INSERT ON ledger_events TO ${role}`);
      await admin.query(`GRANT USAGE ON SEQUENCE ledger_events_id_seq TO ${role}`);
      await admin.query(`SET ROLE ${role}`);
      await admin.query(`INSERT INTO ledger_events (incident_id, seq, step_key, kind, occurred_at, actor, payload, prev_hash, hash) VALUES ('inc-role', 1, 'inc-role/1', 'k', now(), '{}', '{}', 'x', 'y')`);
      expect((await admin.query(`SELECT count(*)::int AS n FROM ledger_events WHERE incident_id = 'inc-role'`)).rows[0].n).toBe(1);
      for (const sql of [`UPDATE ledger_events SET kind = 'x' WHERE incident_id = 'inc-role'`, `DELETE FROM ledger_events WHERE incident_id = 'inc-role'`, 'TRUNCATE ledger_events']) {
        await expect(admin.query(sql)).rejects.toThrow(/permission denied/);
      }
      // Nor can it switch the triggers off.
      await expect(admin.query('ALTER TABLE ledger_events DISABLE TRIGGER ledger_events_no_update_or_delete')).rejects.toThrow(/must be owner/);
    } finally {
      await admin.query('RESET ROLE');
      await admin.query(`DROP OWNED BY ${role}`);
      await admin.query(`DROP ROLE ${role}`);
      admin.release();
    }
  });
});

describe('an event the database refuses for good', () => {
  const own = ownLedger();
  const withPayload = (incidentId: string, step: string, payload: Record<string, unknown>): NewLedgerEvent => testEvent({ ...event(incidentId, step, 'alert.received'), payload });

  it('is recorded as a substitute under its step key, and the events after it are written', async () => {
    const refused = withPayload('inc-nul', '1', { title: 'Leak of acme\u0000 customer rows' });
    const substitute = await own.store.append(refused);
    expect(substitute).toMatchObject({
      incidentId: 'inc-nul',
      seq: 1,
      stepKey: 'inc-nul/1',
      kind: 'ledger.unstorable',
      actor: { type: 'system', name: 'klaxon-ledger' },
      payload: { kind: 'alert.received', sqlstate: '22P05', condition: 'untranslatable character', contentSha256: expect.stringMatching(/^[0-9a-f]{64}$/) },
    });
    expect(JSON.stringify(substitute)).not.toContain('acme');
    // A retried batch finds the substitute by its step key and goes on.
    expect(await own.store.append(refused)).toEqual(substitute);
    const after = await own.store.append(event('inc-nul', '2', 'incident.acknowledged'));
    expect(after).toMatchObject({ seq: 2, kind: 'incident.acknowledged' });
    // A lone surrogate is refused too (not JSON PostgreSQL takes), and substituted the same way.
    expect(await own.store.append(withPayload('inc-nul', '3', { note: 'half a pair \ud800' }))).toMatchObject({ seq: 3, kind: 'ledger.unstorable', payload: { sqlstate: '22P02' } });

    const listed = [
      { incidentId: 'inc-nul', seq: 1, stepKey: 'inc-nul/1', kind: 'alert.received', sqlstate: '22P05' },
      { incidentId: 'inc-nul', seq: 3, stepKey: 'inc-nul/3', kind: 'alert.received', sqlstate: '22P02' },
    ];
    expect(await own.store.verify('inc-nul')).toMatchObject({ ok: true, checked: 3, substitutes: listed });
    expect(await own.store.verifyAll()).toMatchObject({ ok: true, checked: 3, substitutes: listed });
    const cliEnv = { ...process.env, DATABASE_URL: own.db.url, KLAXON_DATA_DIR: '/nonexistent' };
    expect((await klaxon(['audit', 'verify', '--incident', 'inc-nul'], cliEnv)).stdout).toBe(
      'Ledger verified: 3 event(s) of incident inc-nul, every hash and link holds.\n' +
        '2 event(s) the database refused were recorded as ledger.unstorable substitutes (the content is not in the ledger; its SHA-256 is):\n' +
        '  inc-nul event 1: a alert.received event, SQLSTATE 22P05\n' +
        '  inc-nul event 3: a alert.received event, SQLSTATE 22P02\n',
    );
  });

  it('is substituted under stable stand-ins when its incident id or step key cannot be stored', async () => {
    const refused = { ...event('inc-\u0000key', '1'), stepKey: 'inc-\u0000key/1' };
    const substitute = await own.store.append(refused);
    expect(substitute).toMatchObject({ incidentId: expect.stringMatching(/^unstorable-[0-9a-f]{32}$/), stepKey: expect.stringMatching(/^unstorable-[0-9a-f]{32}$/), kind: 'ledger.unstorable' });
    expect(await own.store.append(refused)).toEqual(substitute);
    const next = await own.store.append({ ...event('inc-\u0000key', '2'), stepKey: 'inc-\u0000key/2' });
    expect(next).toMatchObject({ incidentId: substitute.incidentId, seq: 2 });
    // A key too long for its index (54000) is one the database refuses for good as well.
    const long = { ...event('inc-long', '1'), stepKey: `inc-long/${randomBytes(12_000).toString('base64')}` };
    expect(await own.store.append(long)).toMatchObject({ incidentId: 'inc-long', stepKey: expect.stringMatching(/^unstorable-/), payload: { sqlstate: '54000' } });
  });

  it('is told apart from a database that cannot be reached: that keeps failing, so the write is retried', async () => {
    const unreachable = openDatabase('postgres://postgres@127.0.0.1:1/test', { max: 1 });
    try {
      await expect(new LedgerStore(unreachable).append(event('inc-down', '1'))).rejects.toThrow(/ECONNREFUSED/);
    } finally {
      await unreachable.end();
    }
    expect(await own.store.timeline('inc-down')).toEqual([]);
  });

  it('surfaces as the SQLSTATE, the table and the step, never the values PostgreSQL quotes', async () => {
    // A constraint the ledger does not have: PostgreSQL's detail then quotes the failing row.
    await own.db.pool.query(`ALTER TABLE history_archives ADD CONSTRAINT status_known CHECK (status IN ('COMPLETED', 'TERMINATED'))`);
    const err = await new HistoryArchive(own.db.pool)
      .save({ runId: 'run-1', incidentId: 'inc-archive', status: 'Leak of acme customer rows', eventCount: 1, history: Buffer.from('x') })
      .then(() => new Error('the archive took a status its constraint refuses'), (e: unknown) => e as Error);
    expect(err.message).toBe('save a run history to the archive: the database refused it (SQLSTATE 23514, integrity constraint violation; table history_archives, constraint status_known)');
    // Nothing that reaches a log line (the error's own fields, its stack, a JSON log of it) quotes the row.
    expect(`${JSON.stringify(err)} ${err.stack} ${String(err)}`).not.toContain('acme');
  });
});

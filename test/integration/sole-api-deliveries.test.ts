import { MAX_REMEMBERED_IN_PROCESS } from '../../client/delivery-memory';
import { SoleApiDeliveries } from '../../client/sole-api-deliveries';
import { openDatabase } from '../../ledger/database';
import { SeenDeliveries } from '../../ledger/seen-deliveries';
import { createTestDatabase, type TestDatabase } from '../support/database';

/**
 * The embedded stack's replay memory against PostgreSQL: held in process, written through, read
 * back at start, and the database still asked while it may know more than the process.
 */
let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db.drop());
beforeEach(() => db.pool.query('DELETE FROM seen_deliveries'));

const t0 = new Date('2026-12-07T12:00:00Z');
const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000);
const stored = async () => (await db.pool.query<{ id: string }>('SELECT id FROM seen_deliveries ORDER BY id')).rows.map((r) => r.id);

it('knows after a restart what was taken before it, and answers without the database', async () => {
  const before = new SoleApiDeliveries(new SeenDeliveries(db.pool), t0);
  expect(await before.seen(['d-1'], t0)).toEqual(new Set());
  await before.remember(['d-1'], t0, at(600));
  expect(await stored()).toEqual(['d-1']);

  const lines: string[] = [];
  const restarted = new SoleApiDeliveries(new SeenDeliveries(db.pool, (l) => lines.push(l)), at(60));
  expect(await restarted.seen(['d-1', 'd-2'], at(61))).toEqual(new Set(['d-1']));
  await restarted.remember(['d-2'], at(61), at(661));
  expect(await stored()).toEqual(['d-1', 'd-2']);
  // What it read back and what it took since are answered from the process: the rows gone, still replays.
  await db.pool.query('DELETE FROM seen_deliveries');
  expect(await restarted.seen(['d-1', 'd-2', 'd-3'], at(62))).toEqual(new Set(['d-1', 'd-2']));
  // Each in its own window.
  expect(await restarted.seen(['d-1', 'd-2'], at(600))).toEqual(new Set(['d-2']));
  expect(lines).toEqual([]);
});

it('asks the database about what it could not read back until all of that has expired', async () => {
  // One more than the process holds: the earliest to expire stays in the database only.
  await db.pool.query(
    `INSERT INTO seen_deliveries (id, seen_at, expires_at)
     SELECT 'bulk-' || n, $1, $1::timestamptz + make_interval(secs => 100 + n) FROM generate_series(0, $2) AS n`,
    [t0, MAX_REMEMBERED_IN_PROCESS],
  );
  const lines: string[] = [];
  const pool = openDatabase(db.url, { max: 1 });
  const memory = new SoleApiDeliveries(new SeenDeliveries(pool, (l) => lines.push(l)), t0);
  expect(await memory.seen(['bulk-0', 'bulk-1', `bulk-${MAX_REMEMBERED_IN_PROCESS}`, 'new'], at(1))).toEqual(new Set(['bulk-0', 'bulk-1', `bulk-${MAX_REMEMBERED_IN_PROCESS}`]));
  // With the database gone, a look-up shows as a logged failure: asked before bulk-1 expires, not after.
  await pool.end();
  expect(await memory.seen(['new'], at(100))).toEqual(new Set());
  expect(lines).toEqual([expect.stringContaining('replay check skipped')]);
  expect(await memory.seen(['new', `bulk-${MAX_REMEMBERED_IN_PROCESS}`], at(101))).toEqual(new Set([`bulk-${MAX_REMEMBERED_IN_PROCESS}`]));
  expect(lines).toHaveLength(1);
});

it('asks the database for a day when it could not read it at start, and says so', async () => {
  const lines: string[] = [];
  const away = openDatabase('postgres://postgres@127.0.0.1:1/test', { max: 1 });
  const memory = new SoleApiDeliveries(new SeenDeliveries(away, (l) => lines.push(l)), t0, (l) => lines.push(l));
  expect(await memory.seen(['d-1'], at(1))).toEqual(new Set());
  expect(lines).toEqual([expect.stringContaining('could not be read at start, so each new one is looked up in the database for 24 h'), expect.stringContaining('replay check skipped')]);
  // What it took itself it knows, the database away or not; after a day it asks no more.
  await memory.remember(['d-1'], at(1), at(601));
  expect(await memory.seen(['d-1'], at(2))).toEqual(new Set(['d-1']));
  const asked = lines.length;
  expect(await memory.seen(['d-2'], at(24 * 3600))).toEqual(new Set());
  expect(lines).toHaveLength(asked);
  await away.end().catch(() => undefined);
});

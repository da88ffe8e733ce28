import { openDatabase } from '../../ledger/database';
import { SharedIntakeWindows } from '../../ledger/intake-windows';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { freePort } from '../support/processes';

/** The API replicas' shared coalescing windows in PostgreSQL: one send per window, whoever asks, in turn. */
let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db?.drop());

const WINDOW_MS = 250;

it('gives replicas reserving a key at once one window each, in turn, a window apart', async () => {
  // Eight connections, as eight API replicas would hold.
  const pool = openDatabase(db.url, { max: 8 });
  try {
    const windows = new SharedIntakeWindows(pool);
    const waits = (await Promise.all(Array.from({ length: 16 }, () => windows.reserve('acme:storm', WINDOW_MS)))).sort((a, b) => a - b);
    // The first goes at once; the k-th waits k windows, less the time the reservations before it took.
    expect(waits[0]).toBe(0);
    waits.forEach((wait, k) => {
      expect(wait).toBeLessThanOrEqual(k * WINDOW_MS);
      expect(wait).toBeGreaterThan(k * WINDOW_MS - 200);
    });
  } finally {
    await pool.end();
  }
});

it('opens at once again once the reserved windows have run, and keeps keys apart', async () => {
  const windows = new SharedIntakeWindows(db.pool);
  expect(await windows.reserve('acme:apart', WINDOW_MS)).toBe(0);
  const wait = await windows.reserve('acme:apart', WINDOW_MS);
  expect(wait).toBeGreaterThan(WINDOW_MS - 100);
  // Another incident's key is not held by this one's windows.
  expect(await windows.reserve('globex:apart', WINDOW_MS)).toBe(0);
  await new Promise((r) => setTimeout(r, wait + WINDOW_MS + 5));
  expect(await windows.reserve('acme:apart', WINDOW_MS)).toBe(0);
});

it('starts a key over when its window lies far ahead, as after the database\'s clock went back', async () => {
  const windows = new SharedIntakeWindows(db.pool);
  await db.pool.query(`INSERT INTO intake_windows (incident_key, opens_at) VALUES ('acme:clock', clock_timestamp() + interval '1 hour')`);
  expect(await windows.reserve('acme:clock', WINDOW_MS)).toBe(0);
  // And the key is paced again from now on.
  const wait = await windows.reserve('acme:clock', WINDOW_MS);
  expect(wait).toBeGreaterThan(0);
  expect(wait).toBeLessThanOrEqual(WINDOW_MS);
});

it('lets the batch go, and says why, when the database does not answer', async () => {
  const away = openDatabase(`postgres://postgres@127.0.0.1:${await freePort()}/test`, { max: 1 });
  const lines: string[] = [];
  try {
    expect(await new SharedIntakeWindows(away, (line) => lines.push(line)).reserve('acme:away', WINDOW_MS)).toBe(0);
    expect(lines).toEqual([expect.stringContaining('signalled without the replicas\' shared window, the ledger database did not answer')]);
  } finally {
    await away.end();
  }
});

import { SeenDeliveries } from '../../ledger/seen-deliveries';
import { createTestDatabase, type TestDatabase } from '../support/database';

/**
 * The API's replay memory in PostgreSQL when many requests arrive at once: each request's
 * look-up and write are gathered with the others' into a few statements, and still every
 * request learns exactly which of its own deliveries were seen, at its own time.
 */
let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db?.drop());

const T = Date.parse('2026-12-07T10:00:00Z');
const at = (s: number) => new Date(T + s * 1000);

it('answers fifty requests at once, each for its own deliveries and its own time, in a few statements', async () => {
  const lines: string[] = [];
  const memory = new SeenDeliveries(db.pool, (l) => lines.push(l));
  // Remembered until T+60 s: d-0 … d-24.
  await Promise.all(Array.from({ length: 25 }, (_, i) => memory.remember([`d-${i}`], at(0), at(60))));
  const statements = jest.spyOn(db.pool, 'query');
  try {
    const asked = Array.from({ length: 50 }, (_, i) => memory.seen([`d-${i}`, `d-${(i + 1) % 50}`], at(i < 40 ? 30 : 90)));
    const answers = (await Promise.all(asked)).map((s) => [...s].sort());
    // Requests 0–39 ask within the window: each of their ids below 25 is a replay.
    expect(answers[0]).toEqual(['d-0', 'd-1']);
    expect(answers[24]).toEqual(['d-24']);
    expect(answers[30]).toEqual([]);
    // Requests 40–49 ask after it ended: nothing is a replay for them, though d-0 is for request 0.
    expect(answers[49]).toEqual([]);
    expect(statements.mock.calls.length).toBeLessThanOrEqual(5);
  } finally {
    statements.mockRestore();
  }
  expect(lines).toEqual([]);
});

it('remembers the deliveries of requests written together, an id two of them name once, and starts a new window over an expired row', async () => {
  const memory = new SeenDeliveries(db.pool);
  await memory.remember(['w-old'], at(0), at(10));
  await Promise.all([memory.remember(['w-a', 'w-shared'], at(100), at(160)), memory.remember(['w-shared', 'w-b'], at(101), at(161)), memory.remember(['w-old'], at(100), at(160))]);
  const rows = (await db.pool.query<{ id: string; expires_at: Date }>("SELECT id, expires_at FROM seen_deliveries WHERE id LIKE 'w-%' ORDER BY id")).rows;
  expect(rows.map((r) => [r.id, r.expires_at.getTime()])).toEqual([
    ['w-a', at(160).getTime()],
    ['w-b', at(161).getTime()],
    ['w-old', at(160).getTime()],
    ['w-shared', at(160).getTime()],
  ]);
  expect([...(await memory.seen(['w-a', 'w-b', 'w-old', 'w-shared', 'w-none'], at(150)))].sort()).toEqual(['w-a', 'w-b', 'w-old', 'w-shared']);
});

it('stores the other requests\' deliveries when one carries an id the database can never store', async () => {
  const lines: string[] = [];
  const memory = new SeenDeliveries(db.pool, (l) => lines.push(l));
  const statements = jest.spyOn(db.pool, 'query');
  // Four writes in flight take every place, so the three after them go to the database as one statement.
  const first = Array.from({ length: 4 }, (_, i) => memory.remember([`x-first-${i}`], at(0), at(60)));
  const rest = [memory.remember(['x-1'], at(0), at(60)), memory.remember(['x-nul\u0000'], at(0), at(60)), memory.remember(['x-2'], at(0), at(60))];
  await Promise.all([...first, ...rest]);
  // The batch of three, refused for its content, then each alone.
  expect(statements.mock.calls.length).toBe(4 + 1 + 3 + 1);
  statements.mockRestore();
  expect([...(await memory.seen(['x-first-3', 'x-1', 'x-2'], at(1)))].sort()).toEqual(['x-1', 'x-2', 'x-first-3']);
  expect(lines).toEqual([expect.stringMatching(/could not remember 1 delivery id\(s\) against replays: .*0x00/)]);
});

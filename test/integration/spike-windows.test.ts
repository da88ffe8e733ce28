import type { Alert } from '../../core/alerts/alert';
import { SPIKE_MEMORY_SECONDS, windowKey, windowStart, type SpikeHit } from '../../core/sources/spike-windows';
import { openDatabase } from '../../ledger/database';
import { DatabaseSpikeWindows } from '../../ledger/spike-windows';
import { createTestDatabase, type TestDatabase } from '../support/database';

/** Spike windows in PostgreSQL as API replicas share them: concurrent batches, replays, expiry. */
let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db?.drop());

const t0 = new Date('2026-11-24T10:00:00Z');
const alert = { source: 'vercel', title: 'spike', severity: 'SEV2', dedupKey: 'vercel:spike:prj', tenant: 'acme', dataCategories: [], details: {}, deliveryId: 'w', receivedAt: t0.toISOString() } as Alert;
const hit = (lineId: string, project = 'prj'): SpikeHit => ({ window: { detector: 'spike', project, start: windowStart(t0.getTime(), 60) }, lineId, threshold: 3, windowSeconds: 60, alert });

it('lets exactly one of many concurrent batches see a window reach its threshold', async () => {
  // Eight connections, as eight API replicas would hold; each batch resends line 0.
  const pool = openDatabase(db.url, { max: 8 });
  try {
    const windows = new DatabaseSpikeWindows(pool);
    const key = windowKey(hit('x', 'busy').window);
    const tallies = await Promise.all(Array.from({ length: 16 }, (_, i) => windows.count([hit('line-0', 'busy'), hit(`line-${i + 1}`, 'busy')], t0).then((t) => t.get(key)!)));
    const crossed = tallies.filter((t) => t.lines - t.added < 3 && t.lines >= 3);
    expect(crossed).toHaveLength(1);
    expect(Math.max(...tallies.map((t) => t.lines))).toBe(17);
    expect(tallies.reduce((sum, t) => sum + t.added, 0)).toBe(17);
  } finally {
    await pool.end();
  }
});

it('counts a line once however often it comes, and purges a window with its lines once it expires', async () => {
  const windows = new DatabaseSpikeWindows(db.pool);
  const key = windowKey(hit('a', 'purged').window);
  expect((await windows.count([hit('a', 'purged'), hit('a', 'purged'), hit('b', 'purged')], t0)).get(key)).toEqual({ lines: 2, added: 2 });
  expect((await windows.count([hit('a', 'purged')], t0)).get(key)).toEqual({ lines: 2, added: 0 });
  // Past its memory (and the purge interval): the window and its lines are gone, the count starts over.
  const later = new Date(t0.getTime() + (60 + SPIKE_MEMORY_SECONDS) * 1000);
  await windows.count([hit('other', 'elsewhere')], later);
  const left = await db.pool.query(`SELECT count(*)::int AS n FROM spike_window_lines WHERE project = 'purged'`);
  expect(left.rows[0].n).toBe(0);
  expect((await windows.count([hit('a', 'purged')], later)).get(key)).toEqual({ lines: 1, added: 1 });
});

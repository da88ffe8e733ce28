import { CoalescedQueries } from '../../ledger/coalesced-queries';

/** Calls gathered into batches while others run, and what a batch that hangs or fails does to the calls after it. */
const refused = (code: string) => Object.assign(new Error(`refused (${code})`), { code });

it('gathers the calls made while the places are taken into one batch, answering each its own', async () => {
  const batches: number[][] = [];
  const q = new CoalescedQueries(async (xs: number[]) => (batches.push(xs), xs.map((x) => x * 2)), { parallel: 2, slotMs: 1_000 });
  expect(await Promise.all(Array.from({ length: 10 }, (_, i) => q.call(i)))).toEqual([0, 2, 4, 6, 8, 10, 12, 14, 16, 18]);
  expect(batches).toEqual([[0], [1], [2, 3, 4, 5, 6, 7, 8, 9]]);
});

it('gives up the place of a batch that hangs after slotMs, so the calls after it go on', async () => {
  let hang = true;
  const q = new CoalescedQueries(async (xs: string[]) => (hang ? new Promise<string[]>(() => undefined) : xs), { parallel: 1, slotMs: 50 });
  void q.call('stuck');
  hang = false;
  const started = Date.now();
  expect(await q.call('next')).toBe('next');
  expect(Date.now() - started).toBeGreaterThanOrEqual(40);
});

it('runs a batch refused for its content call by call, failing only the call at fault; the database away fails them all', async () => {
  let open!: () => void;
  const gate = new Promise<void>((ok) => (open = ok));
  const run = async (xs: string[]) => {
    if (xs.includes('first')) await gate;
    if (xs.includes('away')) throw new Error('ECONNREFUSED');
    if (xs.includes('bad')) throw refused('22021');
    return xs;
  };
  const q = new CoalescedQueries(run, { parallel: 1, slotMs: 1_000 });
  // 'first' takes the one place; the calls after it wait and go as one batch.
  const calls = [q.call('first'), q.call('a'), q.call('bad'), q.call('b')];
  open();
  const results = await Promise.allSettled(calls);
  expect(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual(['first', 'a', 'refused (22021)', 'b']);
  const away = new CoalescedQueries(run, { parallel: 1, slotMs: 1_000 });
  const down = await Promise.allSettled([away.call('first'), away.call('c'), away.call('away')]);
  expect(down.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual(['first', 'ECONNREFUSED', 'ECONNREFUSED']);
});

import { LIVE_WINDOWS_RENEW_MS, LIVE_WINDOWS_TENANTS, LIVE_WINDOWS_TTL_MS, LiveWindows } from '../../client/live-windows';
import type { StoredWindow } from '../../ledger/maintenance-windows';

/**
 * The live maintenance windows the alert route checks every alert against, read once a second
 * per tenant: what a storm of alerts costs the database, and what a window opened, ended or
 * starting within that second does to the alerts after it.
 */
const T0 = Date.parse('2026-12-07T10:00:00Z');
const at = (ms: number) => new Date(T0 + ms);
const win = (id: string, tenant: string, fromMs: number, untilMs: number | null): StoredWindow => ({
  id, tenant, from: at(fromMs).toISOString(), until: untilMs === null ? null : at(untilMs).toISOString(),
  reason: 'r', by: 'ana', allowSev1PersonalData: false, createdAt: at(fromMs).toISOString(), held: 0, bypassed: 0,
});

/** A table of windows read the way the ledger reads it (live at some instant of [at, through]), counting its reads. */
function table(rows: StoredWindow[]) {
  const reads: string[] = [];
  const read = async (tenant: string, from: Date, through: Date) => {
    reads.push(tenant);
    return rows.filter((w) => w.tenant === tenant && Date.parse(w.from) <= through.getTime() && (w.until === null || Date.parse(w.until) > from.getTime()));
  };
  return { rows, reads, read };
}

it('answers a storm of alerts of one tenant with one read of its windows per second, while the read is under way too', async () => {
  const t = table([win('mw-a', 'acme', -60_000, 60_000)]);
  let wall = T0;
  const live = new LiveWindows(t.read, () => wall);
  const first = await Promise.all(Array.from({ length: 200 }, (_, i) => live.liveFor('acme', at(i))));
  expect(first.every((ws) => ws.map((w) => w.id).join() === 'mw-a')).toBe(true);
  expect(t.reads).toEqual(['acme']);
  wall += LIVE_WINDOWS_RENEW_MS - 1;
  await live.liveFor('acme', at(LIVE_WINDOWS_RENEW_MS - 1));
  expect(t.reads).toHaveLength(1);
  // Another tenant has its own read.
  expect(await live.liveFor('globex', at(LIVE_WINDOWS_RENEW_MS))).toEqual([]);
  expect(t.reads).toEqual(['acme', 'globex']);
});

it('renews a busy tenant\'s read in the background, so its alerts never wait for one, and never answer from one a second old', async () => {
  const answers: Array<(ws: StoredWindow[]) => void> = [];
  const reads: number[] = [];
  let wall = T0;
  const live = new LiveWindows((_tenant, from) => {
    reads.push(from.getTime() - T0);
    return new Promise<StoredWindow[]>((ok) => answers.push(ok));
  }, () => wall);
  const ids = async (p: Promise<StoredWindow[]>) => (await p).map((w) => w.id);
  const first = live.liveFor('acme', at(0));
  answers[0]([win('mw-old', 'acme', -60_000, null)]);
  expect(await ids(first)).toEqual(['mw-old']);
  // In its last half second the read still answers, at once, and the next one starts for this alert's time.
  const late = LIVE_WINDOWS_TTL_MS - 100;
  wall = T0 + LIVE_WINDOWS_RENEW_MS - 1;
  await live.liveFor('acme', at(1));
  expect(reads).toHaveLength(1);
  wall = T0 + late;
  expect(await ids(live.liveFor('acme', at(late)))).toEqual(['mw-old']);
  expect(reads).toEqual([-LIVE_WINDOWS_TTL_MS, late - LIVE_WINDOWS_TTL_MS]);
  // Only one renewal at a time.
  expect(await ids(live.liveFor('acme', at(late + 1)))).toEqual(['mw-old']);
  expect(reads).toHaveLength(2);
  // The first read is a second old and the renewal has not answered: the alert waits for the renewal, not for a third read.
  wall = T0 + LIVE_WINDOWS_TTL_MS;
  const waiting = live.liveFor('acme', at(LIVE_WINDOWS_TTL_MS));
  expect(reads).toHaveLength(2);
  answers[1]([win('mw-new', 'acme', -1, null)]);
  expect(await ids(waiting)).toEqual(['mw-new']);
  // Answered, the renewal is kept: the alerts after it share it.
  expect(await ids(live.liveFor('acme', at(LIVE_WINDOWS_TTL_MS + 1)))).toEqual(['mw-new']);
  expect(reads).toHaveLength(2);
});

it('keeps the read it has when a renewal fails or the tenant is forgotten meanwhile', async () => {
  const answers: Array<{ ok: (ws: StoredWindow[]) => void; fail: (e: Error) => void }> = [];
  let wall = T0;
  const live = new LiveWindows(() => new Promise<StoredWindow[]>((ok, fail) => answers.push({ ok, fail })), () => wall);
  const ids = async (p: Promise<StoredWindow[]>) => (await p).map((w) => w.id);
  const first = live.liveFor('acme', at(0));
  answers[0].ok([win('mw-kept', 'acme', -60_000, null)]);
  await first;
  wall += LIVE_WINDOWS_RENEW_MS;
  await live.liveFor('acme', at(1));
  answers[1].fail(new Error('ECONNREFUSED'));
  await new Promise(setImmediate);
  // The failure is not answered to anyone: the next alert answers from the read it has, and renews again.
  expect(await ids(live.liveFor('acme', at(2)))).toEqual(['mw-kept']);
  expect(answers).toHaveLength(3);
  // A window opened here meanwhile: the renewal under way does not put itself back.
  live.forget('acme');
  answers[2].ok([]);
  await new Promise(setImmediate);
  const after = live.liveFor('acme', at(3));
  expect(answers).toHaveLength(4);
  answers[3].ok([win('mw-opened', 'acme', -1, null)]);
  expect(await ids(after)).toEqual(['mw-opened']);
  expect(await ids(live.liveFor('acme', at(4)))).toEqual(['mw-opened']);
});

it('holds with a window from the instant it starts, and not after it ends, within one read', async () => {
  const t = table([win('mw-starts', 'acme', 400, null), win('mw-ends', 'acme', -60_000, 600)]);
  const live = new LiveWindows(t.read, () => T0);
  const ids = async (ms: number) => (await live.liveFor('acme', at(ms))).map((w) => w.id);
  expect(await ids(0)).toEqual(['mw-ends']);
  expect(await ids(400)).toEqual(['mw-starts', 'mw-ends']);
  expect(await ids(600)).toEqual(['mw-starts']);
  expect(t.reads).toHaveLength(1);
});

it('reads again at once when a window of the tenant was opened or ended here, or an alert is stamped a second or more from the read', async () => {
  const t = table([]);
  const live = new LiveWindows(t.read, () => T0);
  expect(await live.liveFor('acme', at(0))).toEqual([]);
  t.rows.push(win('mw-new', 'acme', -1, null));
  live.forget('acme');
  expect((await live.liveFor('acme', at(1))).map((w) => w.id)).toEqual(['mw-new']);
  // Requests stamped a little out of order share the read.
  await live.liveFor('acme', at(-500));
  expect(t.reads).toHaveLength(2);
  // A clock that went back a second or more, or one that jumped ahead: the alert's own time is read for.
  await live.liveFor('acme', at(1 - LIVE_WINDOWS_TTL_MS));
  await live.liveFor('acme', at(1 + LIVE_WINDOWS_TTL_MS));
  expect(t.reads).toHaveLength(4);
});

it('does not let a read that was under way when the tenant was forgotten answer the alerts after it', async () => {
  const answers: Array<(ws: StoredWindow[]) => void> = [];
  const live = new LiveWindows(() => new Promise<StoredWindow[]>((ok) => answers.push(ok)), () => T0);
  const before = live.liveFor('acme', at(0));
  // A window is opened here while that read is out: the next alert reads again.
  live.forget('acme');
  const after = live.liveFor('acme', at(1));
  expect(answers).toHaveLength(2);
  answers[0]([]);
  answers[1]([win('mw-new', 'acme', -1, null)]);
  expect(await before).toEqual([]);
  expect((await after).map((w) => w.id)).toEqual(['mw-new']);
  // The stale read, answered last, did not put itself back: later alerts share the new one.
  expect((await live.liveFor('acme', at(2))).map((w) => w.id)).toEqual(['mw-new']);
  expect(answers).toHaveLength(2);
});

it('keeps no failed read: the alert after a database error reads again', async () => {
  let fail = true;
  const reads: string[] = [];
  const live = new LiveWindows(async (tenant) => {
    reads.push(tenant);
    if (fail) throw new Error('ECONNREFUSED');
    return [];
  }, () => T0);
  await expect(live.liveFor('acme', at(0))).rejects.toThrow('ECONNREFUSED');
  fail = false;
  await expect(live.liveFor('acme', at(1))).resolves.toEqual([]);
  expect(reads).toHaveLength(2);
});

it('keeps at most LIVE_WINDOWS_TENANTS tenants, dropping the oldest read first', async () => {
  const t = table([]);
  const live = new LiveWindows(t.read, () => T0);
  for (let i = 0; i <= LIVE_WINDOWS_TENANTS; i += 1) await live.liveFor(`t${i}`, at(0));
  expect(t.reads).toHaveLength(LIVE_WINDOWS_TENANTS + 1);
  await live.liveFor(`t${LIVE_WINDOWS_TENANTS}`, at(0));
  await live.liveFor('t1', at(0));
  expect(t.reads).toHaveLength(LIVE_WINDOWS_TENANTS + 1);
  await live.liveFor('t0', at(0));
  expect(t.reads).toHaveLength(LIVE_WINDOWS_TENANTS + 2);
});

import { maintenanceChain, type MaintenanceWindow } from '../../core/maintenance/window';
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import { Maintenance } from '../../client/maintenance';
import { maintenanceGates } from '../../client/maintenance-gate';
import { MAINTENANCE_LIST_LIMIT, MaintenanceWindows } from '../../ledger/maintenance-windows';
import { sampleAlert } from '../support/samples';
import { LedgerStore } from '../../ledger/store';
import { createTestDatabase, type TestDatabase } from '../support/database';

/**
 * The maintenance windows' table and records in PostgreSQL without Temporal: what an alert
 * arriving while its window ends, or a storm of held alerts in one delivery, leaves behind.
 */
let db: TestDatabase;
let ledger: LedgerStore;
let windows: MaintenanceWindows;
beforeAll(async () => {
  db = await createTestDatabase();
  ledger = new LedgerStore(db.pool);
  windows = new MaintenanceWindows(ledger);
});
afterAll(() => db?.drop());

let n = 0;
const ANA = { type: 'responder' as const, name: 'ana', via: 'api' };
async function opened(over: Partial<MaintenanceWindow> = {}): Promise<MaintenanceWindow> {
  n += 1;
  const now = Date.now();
  const w: MaintenanceWindow = { id: `mw-db${n}`, tenant: `t${n}`, from: new Date(now - 1000).toISOString(), until: new Date(now + 30 * 60_000).toISOString(), reason: 'r', by: 'ana', allowSev1PersonalData: false, createdAt: new Date(now).toISOString(), ...over };
  await windows.open(w, ANA);
  return w;
}
const met = (w: MaintenanceWindow, i: number) => ({ window: w.id, source: 'generic', severity: 'SEV2' as const, title: `t${i}`, dedupKey: `k${i}`, deliveryId: `d-${w.id}-${i}` });
const heldEvents = async (w: MaintenanceWindow) => (await ledger.timeline(maintenanceChain(w.tenant))).filter((e) => e.kind === 'maintenance.alert_held');

it('refuses to record a hold in a window that has ended meanwhile (its summary is counted already): the alert pages', async () => {
  const w = await opened();
  await windows.recordMet(w, met(w, 1), undefined, new Date());
  await windows.end(w.id, 'ana', new Date());
  const tally = await windows.tally(w);
  // The alert was decided while the window was live, and its record comes after the end.
  await expect(windows.recordMet(w, met(w, 2), undefined, new Date())).rejects.toThrow(/ended/);
  expect(await windows.tally(w)).toEqual(tally);
  expect((await windows.get(w.id))?.held).toBe(1);
  expect(await heldEvents(w)).toHaveLength(1);
});

it('holds every alert of a storm one delivery brings, recorded in one transaction (not one lock each under its own deadline), each once', async () => {
  const maintenance = new Maintenance(ledger, {} as Client, 'unused');
  const w = await opened();
  const other = await opened();
  // 200 alerts: enough that a lock and a deadline per alert showed; few enough that one transaction
  // of them stays well inside the 2 s deadline on a slow, busy machine (450 held took over 2 s there).
  const alerts = Array.from({ length: 200 }, (_, i) => sampleAlert({ tenant: i % 10 === 9 ? 'nobody' : i % 10 === 8 ? other.tenant : w.tenant, severity: 'SEV3', dataCategories: [], dedupKey: `k${i}`, deliveryId: `storm-${i}` }));
  const logs: string[] = [];
  const locked = jest.spyOn(ledger, 'locked');
  try {
    const answers = await maintenanceGates(alerts, maintenance, new Date(), (l) => logs.push(l));
    expect(locked).toHaveBeenCalledTimes(1);
    expect(logs).toEqual([]);
    expect(answers.filter((a) => a === undefined)).toHaveLength(20);
    expect(answers.filter((a) => a?.held.window === w.id)).toHaveLength(160);
    expect(answers.filter((a) => a?.held.window === other.id)).toHaveLength(20);
  } finally {
    locked.mockRestore();
  }
  expect((await windows.get(w.id))?.held).toBe(160);
  expect((await windows.get(other.id))?.held).toBe(20);
  expect(await heldEvents(w)).toHaveLength(160);
  // The same delivery again (a retry): nothing recorded or counted twice, still held.
  expect((await maintenanceGates(alerts.slice(0, 10), maintenance, new Date(), (l) => logs.push(l))).filter((a) => a?.held)).toHaveLength(9);
  expect((await windows.get(w.id))?.held).toBe(160);
});

it('refuses a tenant more than 50 windows live or to come (each is read at every alert of the tenant, and each has a workflow)', async () => {
  const first = await opened({ service: 's0' });
  for (let i = 1; i < 50; i += 1) await windows.open({ ...first, id: `${first.id}-${i}`, service: `s${i}` }, ANA);
  await expect(windows.open({ ...first, id: `${first.id}-50`, service: 's50' }, ANA)).rejects.toMatchObject({ status: 409, message: expect.stringMatching(/already has 50 maintenance windows live or to come/) });
  // One ended makes room.
  await windows.end(first.id, 'ana', new Date());
  await windows.open({ ...first, id: `${first.id}-51`, service: 's51' }, ANA);
  // Another tenant is not counted with it.
  await opened({ service: 's0' });
});

it('ends a window whose workflow is gone (never started, terminated, failed) when someone ends it, instead of answering that it is over while it still holds', async () => {
  const gone = { workflow: { getHandle: () => ({ executeUpdate: () => Promise.reject(new WorkflowNotFoundError('workflow not found', 'maintenance-x', undefined)) }) } } as unknown as Client;
  const maintenance = new Maintenance(ledger, gone, 'unused');
  const w = await opened({ until: null, openEnded: 'vendor gives no end' });
  const caller = { actor: { type: 'responder' as const, name: 'bea', via: 'api' } };
  const ended = await maintenance.end(w.id, caller, new Date());
  expect(ended).toMatchObject({ id: w.id, endedBy: 'bea', expired: false, summary: { none: expect.stringMatching(/workflow/) } });
  expect(await windows.get(w.id)).toMatchObject({ endedBy: 'bea', endedAt: expect.any(String) });
  expect(await windows.liveFor(w.tenant, new Date())).toEqual([]);
  const last = (await ledger.timeline(maintenanceChain(w.tenant))).at(-1)!;
  expect([last.kind, last.actor.name]).toEqual(['maintenance.ended', 'bea']);
  // Ended now: a second end is a 409.
  await expect(maintenance.end(w.id, caller, new Date())).rejects.toMatchObject({ status: 409 });
});

it('lists at most MAINTENANCE_LIST_LIMIT windows, earliest first, and says that more were left out', async () => {
  const from = Date.now() + 60 * 60_000;
  // Rows as the API stores them, written directly: opening 501 through the API would take 11 tenants at their limit.
  await db.pool.query(
    `INSERT INTO maintenance_windows (id, tenant, from_at, until_at, reason, created_by)
     SELECT 'mw-list' || lpad(i::text, 4, '0'), 'list-' || (i % 11), $1::timestamptz + i * interval '1 second', $1::timestamptz + interval '1 hour', 'r', 'ana'
       FROM generate_series(1, $2::int) AS i`,
    [new Date(from).toISOString(), MAINTENANCE_LIST_LIMIT + 1],
  );
  const all = await windows.list({ tenants: Array.from({ length: 11 }, (_, i) => `list-${i}`) }, new Date());
  expect(all.more).toBe(true);
  expect(all.windows).toHaveLength(MAINTENANCE_LIST_LIMIT);
  expect(all.windows[0].id).toBe('mw-list0001');
  expect(all.windows.at(-1)?.id).toBe(`mw-list${String(MAINTENANCE_LIST_LIMIT).padStart(4, '0')}`);
  const one = await windows.list({ tenants: ['list-0'] }, new Date());
  expect(one).toMatchObject({ more: false });
  expect(one.windows).toHaveLength(Math.floor((MAINTENANCE_LIST_LIMIT + 1) / 11));
});

it('holds the next alert at once after a window is opened here, and pages it at once after the window is ended here (the live windows are kept a second per tenant)', async () => {
  const started = { workflow: { start: () => Promise.resolve(), getHandle: () => ({ executeUpdate: () => Promise.reject(new WorkflowNotFoundError('workflow not found', 'maintenance-x', undefined)) }) } } as unknown as Client;
  const maintenance = new Maintenance(ledger, started, 'unused');
  const caller = { actor: { type: 'responder' as const, name: 'ana', via: 'api' } };
  const alert = sampleAlert({ tenant: 'kept', severity: 'SEV3', dataCategories: [], deliveryId: 'kept-1' });
  const logs: string[] = [];
  const decided = async () => (await maintenanceGates([{ ...alert, deliveryId: `kept-${(n += 1)}` }], maintenance, new Date(), (l) => logs.push(l)))[0];
  // The tenant's (no) windows are read, and kept.
  expect(await decided()).toBeUndefined();
  const w = await maintenance.start({ tenant: 'kept', minutes: 30, reason: 'r' }, caller, new Date());
  expect(await decided()).toEqual({ incidentId: null, held: { window: w.id, until: w.until } });
  // Its workflow is gone here, so the end takes the API's own path (abandon): either way the API forgets the tenant.
  await maintenance.end(w.id, caller, new Date());
  expect(await decided()).toBeUndefined();
  // Paged because no live window met it, not because a hold decided from a stale read was refused.
  expect(logs).toEqual([]);
});

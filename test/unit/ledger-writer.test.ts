import type { NewLedgerEvent } from '../../ledger/event';

/**
 * The incident's ledger writer (workflows/ledger-writer.ts) on its own, with the workflow SDK's
 * activity and timer stood in for: each append is answered when the test says, as a slow ledger
 * would. What a continue-as-new needs of `settle`: once it resolves, every event taken from the
 * incident is stored; what is not stored is still the incident's (its memento carries it).
 */
const appends: Array<{ events: NewLedgerEvent[]; done: () => void }> = [];
jest.mock('@temporalio/workflow', () => ({
  proxyActivities: () => ({
    appendLedgerEvents: (events: NewLedgerEvent[]) => new Promise<void>((resolve) => appends.push({ events, done: resolve })),
  }),
  sleep: () => Promise.resolve(),
  CancellationScope: { nonCancellable: <T>(fn: () => Promise<T>) => fn() },
}));

import { createLedgerWriter } from '../../workflows/ledger-writer';
import type { Incident } from '../../core/incident/incident';

const ticks = () => new Promise((r) => setImmediate(r));

function incidentWith(pending: string[]) {
  const incident = {
    takeEvents: () => pending.splice(0, pending.length).map((kind) => ({ kind, at: '2026-12-07T00:00:00.000Z', actor: { type: 'system', name: 'klaxon' }, payload: {} })),
  } as unknown as Incident;
  return incident;
}

describe('ledger writer under the release patch', () => {
  let now = 0;
  beforeEach(() => {
    appends.length = 0;
    now = 1_000_000;
    jest.spyOn(Date, 'now').mockImplementation(() => now);
  });
  afterEach(() => jest.restoreAllMocks());

  it('settles only once a write an alert queued behind the last one is stored too (a continue-as-new would drop it)', async () => {
    const pending = ['incident.acknowledged'];
    const writer = createLedgerWriter(incidentWith(pending), { incidentId: 'inc-1', stepKeyBase: 'inc-1/run', index: 0, carrying: true });

    let settled = false;
    const settling = writer.settle().then(() => {
      settled = true;
    });
    await ticks();
    expect(appends).toHaveLength(1);

    // The ledger is slow (the append is retried for seconds); meanwhile an alert's count is
    // recorded, and its paced write queued behind the one under way.
    now += 5_000;
    pending.push('alert.received');
    void writer.flush({ paced: true });
    appends[0].done();
    await ticks();

    // The count was taken from the incident: the run may hand over only once it is stored.
    expect(pending).toEqual([]);
    expect(appends.map((a) => a.events.map((e) => e.kind))).toEqual([['incident.acknowledged'], ['alert.received']]);
    expect(settled).toBe(false);
    appends[1].done();
    await settling;
    expect(settled).toBe(true);
  });
});

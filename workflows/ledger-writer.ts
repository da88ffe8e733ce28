import { CancellationScope, proxyActivities, sleep } from '@temporalio/workflow';
import type { LedgerActivities } from '../activities/ledger';
import type { Incident } from '../core/incident/incident';
import type { NewLedgerEvent } from '../ledger/event';

const { appendLedgerEvents } = proxyActivities<LedgerActivities>({
  startToCloseTimeout: '30 seconds',
  // The ledger may be down for a while: keep trying, nothing may be lost.
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

/** The least time between two paced ledger writes of one incident (see `flush`). */
const LEDGER_INTERVAL_MS = 1000;

/**
 * The most a step carries, in bytes of JSON: a backlog (the ledger away during a storm) goes by
 * the incident's own write, so a page's input never nears Temporal's payload limit.
 */
const MAX_CARRIED_BYTES = 64 * 1024;

/**
 * An incident's audit events on their way to the ledger. Writes go out in order; step keys come
 * from the workflow's own counter, so a retried or replayed write is recognised by the ledger.
 *
 * Incidents opened before 2026-12-fewer-actions (`carrying` false) write every batch with an
 * activity of its own, at most one per LEDGER_INTERVAL_MS (a sleep between them), as their
 * histories recorded. Later ones let the step they record carry the events
 * (activities/audited.ts): a page, a rewrite of the messages, a containment action. What no
 * step carries is written by an activity at once, paced only for alerts (a storm gathers its
 * counts into one write a second). A carried batch is not known stored until its step answers:
 * every later write sends it again ahead of its own events, so the ledger keeps their order
 * whichever write lands first, and a step that could not store it leaves it to the next write.
 */
export function createLedgerWriter(incident: Incident, o: { incidentId: string; stepKeyBase: string; index: number; carrying: boolean }) {
  let index = o.index;
  let queue: Promise<void> = Promise.resolve();
  let lastWrite = -Infinity;
  let queued = false;
  /** Taken, and not yet known stored, oldest first. */
  let unconfirmed: NewLedgerEvent[] = [];
  /** A carried batch came back unstored: the next write must go out even with nothing new. */
  let owed = false;

  const take = (): NewLedgerEvent[] =>
    incident.takeEvents().map((e) => ({ ...e, incidentId: o.incidentId, occurredAt: e.at, stepKey: `${o.stepKeyBase}/${++index}` }));
  const confirm = (batch: NewLedgerEvent[]): void => {
    const stored = new Set(batch.map((e) => e.stepKey));
    unconfirmed = unconfirmed.filter((e) => !stored.has(e.stepKey));
  };
  /** What is new, behind what is not yet known stored; marked unconfirmed until a write says otherwise. */
  const nextBatch = (): NewLedgerEvent[] | undefined => {
    const fresh = take();
    if (!fresh.length && !owed) return undefined;
    owed = false;
    unconfirmed = [...unconfirmed, ...fresh];
    return unconfirmed;
  };

  const flush = (paced: boolean): Promise<void> => {
    if (queued) return queue;
    queued = true;
    const write = async (): Promise<void> => {
      if (paced || !o.carrying) {
        const wait = lastWrite + LEDGER_INTERVAL_MS - Date.now();
        if (wait > 0) await sleep(wait);
      }
      queued = false;
      lastWrite = Date.now();
      if (!o.carrying) {
        const events = take();
        if (events.length) await appendLedgerEvents(events);
        return;
      }
      const batch = nextBatch();
      if (!batch?.length) return;
      await appendLedgerEvents(batch);
      confirm(batch);
    };
    // A write runs in the scope of whoever asked first (a follow-up notification's, which an
    // acknowledgement cancels): cancelled there, it would reject the queue, and every later
    // write with it (an unhandled rejection that fails each workflow task). Under carrying, no
    // scope but the write's own.
    queue = queue.then(() => (o.carrying ? CancellationScope.nonCancellable(write) : write()));
    return queue;
  };

  return {
    /** The step key counter, carried across continue-as-new. */
    get index(): number {
      return index;
    },

    /** Writes what is new (after the pacing interval when `paced`, and always for incidents opened before carrying). */
    flush: (options: { paced?: boolean } = {}): Promise<void> => flush(options.paced ?? false),

    /**
     * The events a step about to run should carry (what is new, behind what is not yet known
     * stored), or undefined when there is nothing new, the incident predates carrying, or the
     * backlog is too large to carry (then the incident writes it itself).
     */
    carry(): NewLedgerEvent[] | undefined {
      if (!o.carrying) return undefined;
      const fresh = take();
      if (!fresh.length) return undefined;
      unconfirmed = [...unconfirmed, ...fresh];
      if (JSON.stringify(unconfirmed).length <= MAX_CARRIED_BYTES) return unconfirmed;
      owed = true;
      void flush(false);
      return undefined;
    },

    /** How the step that carried `batch` ended: stored, or left to a write of the incident's own. */
    carried(batch: NewLedgerEvent[], audited: boolean): void {
      lastWrite = Date.now();
      if (audited) return confirm(batch);
      owed = true;
      void flush(false);
    },

    /** Waits until every event taken so far is stored (before a continue-as-new or the end of the run). */
    async settle(): Promise<void> {
      await flush(false);
      // A write queued meanwhile (an alert's, behind the one awaited) takes events from the
      // incident when it runs: wait for it too, or a continue-as-new would carry neither them nor it.
      while (o.carrying && (queued || unconfirmed.length)) {
        owed = true;
        await flush(false);
      }
    },

    /** The writes under way, in order (a continue-as-new waits for them). */
    get queue(): Promise<void> {
      return queue;
    },
  };
}

export type LedgerWriter = ReturnType<typeof createLedgerWriter>;

/**
 * Runs `step` with the audit events it should carry through its audited twin (`twin`), or
 * plainly (`plain`) when there are none; either way answers the step's own result. A twin that
 * fails leaves its events to the incident's next write.
 */
export async function carrying<R>(writer: LedgerWriter, plain: () => Promise<R>, twin: (audit: NewLedgerEvent[]) => Promise<{ result: R; audited: boolean }>): Promise<R> {
  const audit = writer.carry();
  if (!audit) return plain();
  try {
    const { result, audited } = await twin(audit);
    writer.carried(audit, audited);
    return result;
  } catch (err) {
    writer.carried(audit, false);
    throw err;
  }
}

import { Context } from '@temporalio/activity';
import type { NewLedgerEvent } from '../ledger/event';
import type { LedgerStore } from '../ledger/store';
import { UNSTORABLE_KIND } from '../ledger/unstorable';

export function createLedgerActivities(store: LedgerStore) {
  return {
    /**
     * Appends events in order; each has a step key, so a retried batch writes nothing twice. An
     * event the database refuses for good comes back as its substitute (see LedgerStore.append),
     * so the events after it are written; it is logged by kind and SQLSTATE, never by content.
     */
    async appendLedgerEvents(events: NewLedgerEvent[]): Promise<void> {
      for (const e of events) {
        const stored = await store.append(e);
        if (stored.kind === UNSTORABLE_KIND && e.kind !== UNSTORABLE_KIND) {
          Context.current().log.warn('ledger event refused by the database; a substitute was recorded', {
            incidentId: stored.incidentId,
            seq: stored.seq,
            kind: stored.payload.kind,
            sqlstate: stored.payload.sqlstate,
          });
        }
      }
    },
  };
}

export type LedgerActivities = ReturnType<typeof createLedgerActivities>;

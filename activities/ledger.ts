import type { LedgerStore, NewLedgerEvent } from '../ledger/store';

export function createLedgerActivities(store: LedgerStore) {
  return {
    /** Appends events in order; each has a step key, so a retried batch writes nothing twice. */
    async appendLedgerEvents(events: NewLedgerEvent[]): Promise<void> {
      for (const e of events) await store.append(e);
    },
  };
}

export type LedgerActivities = ReturnType<typeof createLedgerActivities>;

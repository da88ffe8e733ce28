import { Context } from '@temporalio/activity';
import type { NewLedgerEvent } from '../ledger/event';
import { firstOccurrences } from '../ledger/first-occurrences';
import type { LedgerStore } from '../ledger/store';
import { UNSTORABLE_KIND } from '../ledger/unstorable';
import { observeStoredEvent } from '../telemetry/ledger-metrics';
import { ledgerAppend } from '../telemetry/metrics';

export function createLedgerActivities(store: LedgerStore) {
  const firsts = (incidentId: string, kinds: string[]) => firstOccurrences(store.db, incidentId, kinds);
  return {
    /**
     * Appends events in order; each has a step key, so a retried batch writes nothing twice. An
     * event the database refuses for good comes back as its substitute (see LedgerStore.append),
     * so the events after it are written; it is logged by kind and SQLSTATE, never by content.
     */
    async appendLedgerEvents(events: NewLedgerEvent[]): Promise<void> {
      for (const e of events) {
        const timer = ledgerAppend.startTimer();
        const { event: stored, outcome } = await store.appendReporting(e).catch((err: unknown) => {
          timer({ outcome: 'failed' });
          throw err;
        });
        timer({ outcome });
        if (outcome === 'substituted' && e.kind !== UNSTORABLE_KIND) {
          Context.current().log.warn('ledger event refused by the database; a substitute was recorded', {
            incidentId: stored.incidentId,
            seq: stored.seq,
            kind: stored.payload.kind,
            sqlstate: stored.payload.sqlstate,
          });
        }
        if (outcome !== 'stored') continue;
        // The incident's handling as a log: one line per audit event, by kind and place, never its payload.
        Context.current().log.info('audit event stored', { kind: stored.kind, seq: stored.seq });
        // Metrics never fail the append: the events are written, the rest of the batch must follow.
        await observeStoredEvent(stored, firsts).catch(() => undefined);
      }
    },
  };
}

export type LedgerActivities = ReturnType<typeof createLedgerActivities>;

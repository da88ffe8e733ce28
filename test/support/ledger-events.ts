import type { AuditEventKind } from '../../core/audit/events';
import type { IncidentEvent } from '../../core/incident/incident';
import type { NewLedgerEvent } from '../../ledger/event';

/**
 * An event of a catalogued kind carrying a payload of the test's choosing. The ledger's own
 * mechanics (chains, retries, substitutes, purges, concurrency) never read a payload, so their
 * tests and benches write small ones; a forged record is malformed on purpose.
 */
export const testEvent = (e: Omit<NewLedgerEvent, 'kind' | 'payload'> & { kind: AuditEventKind; payload: Record<string, unknown> }): NewLedgerEvent => e as NewLedgerEvent;

/** Why the incident ignored a source's resolution, as its event says (undefined for an event of another kind). */
export const ignoredBecause = (e: IncidentEvent): string | undefined => (e.kind === 'alert.resolved_by_source' ? e.payload.ignored : undefined);

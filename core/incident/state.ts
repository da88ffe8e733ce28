// Workflow-safe: workflow code imports this module; keep Node-only modules out (test/workflow/bundle.test.ts).
import type { MemberIndex } from '../alerts/alert-group';
import type { AuditRecord } from '../audit/events';
import type { ContainmentSlice } from '../containment/containment';
import type { EscalationSlice } from '../escalation/paging';
import type { LegalSlice } from '../regulation/legal-clocks';
import type { Actor } from './actor';
import type { AlertsSlice } from './incident-alerts';
import type { IncidentFacts } from './incident-part';
import type { ResponderSlice } from './responder-actions';

/**
 * An incident's whole state, as queries return it and a continue-as-new carries it: the facts
 * every part reads, and one slice per part that owns it.
 */
export interface IncidentState extends IncidentFacts, AlertsSlice, EscalationSlice, ResponderSlice, LegalSlice, ContainmentSlice {}

/** One audit record the incident produced, of a catalogued kind; the workflow writes them to the ledger in order. */
export type IncidentEvent = { at: string; actor: Actor } & AuditRecord;

export interface IncidentMemento {
  state: IncidentState;
  deliveries: string[];
  pending: IncidentEvent[];
  /** The group's member index (core/alerts/alert-group.ts); absent for an incident that is no group's. */
  members?: MemberIndex;
}

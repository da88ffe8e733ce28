// Workflow-safe: workflow code imports this module; keep Node-only modules out (test/workflow/bundle.test.ts).
import type { Severity } from '../alerts/severity';
import type { AuditEventKind, AuditPayload } from '../audit/events';
import type { Policy, Responder } from '../policy/policy';
import type { DrillFacts } from '../drills/drill';
import type { Actor, ResponderRef } from './actor';

/** Snoozed: paging paused for a bounded time, after which the ladder resumes at its level. */
export type IncidentStatus = 'triggered' | 'acknowledged' | 'snoozed' | 'resolved';

/** What every part of an incident may read: what it is about and where it stands. */
export interface IncidentFacts {
  incidentId: string;
  status: IncidentStatus;
  title: string;
  severity: Severity;
  tenant: string;
  dataCategories: string[];
  /** Categories alerts named beyond what an incident keeps (core/alerts/data-categories.ts); absent while none. */
  dataCategoriesNotKept?: number;
  /** From the classification rules: the service, affected surfaces and jurisdictions. */
  service: string;
  surfaces: string[];
  jurisdictions: string[];
  /** Why a person should look at how this incident was classified; absent when a rule matched. */
  triage?: string;
  policyName: string;
  openedAt: string;
  /** Set when the incident is a drill's (workflows/drill.ts): what the drill is, and its injects. */
  drill?: DrillFacts;
}

/**
 * What a part of an incident (its escalation, responder actions, alerts, legal clocks,
 * containment) needs from the incident it belongs to: the facts and its own slice `S` of the
 * state (the type keeps a part off the others' slices), the pinned policy, who a caller is,
 * the audit record, and a way to wake the workflow.
 */
export interface IncidentPartHost<S> {
  readonly state: IncidentFacts & S;
  readonly policy: Policy;
  identify(ref: ResponderRef): Responder;
  record<K extends AuditEventKind>(kind: K, at: string, actor: Actor, payload: AuditPayload<K>): void;
  /** Something changed that the workflow must look at (a clock to compute, an action to run, the ladder's next step). */
  changed(): void;
}

/** A responder acting through a channel, as the ledger records them. */
export const actorOf = (who: Responder, ref: ResponderRef): Actor => ({ type: 'responder', name: who.name, via: ref.via });

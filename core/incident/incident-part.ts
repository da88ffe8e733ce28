import type { Actor, IncidentState, ResponderRef } from './incident';
import type { Policy, Responder } from '../policy/policy';

/**
 * What a part of an incident (its legal clocks, its containment) needs from the incident it
 * belongs to: its state to keep, its pinned policy, who a caller is, the audit record, and a
 * way to wake the workflow.
 */
export interface IncidentPartHost {
  readonly state: IncidentState;
  readonly policy: Policy;
  identify(ref: ResponderRef): Responder;
  record(kind: string, at: string, actor: Actor, payload: Record<string, unknown>): void;
  /** Something changed that the workflow must look at (a clock to compute, an action to run). */
  changed(): void;
}

/** Klaxon itself, as the actor of what it does on its own. */
export const SYSTEM: Actor = { type: 'system', name: 'klaxon' };

/** A responder acting through a channel, as the ledger records them. */
export const actorOf = (who: Responder, ref: ResponderRef): Actor => ({ type: 'responder', name: who.name, via: ref.via });

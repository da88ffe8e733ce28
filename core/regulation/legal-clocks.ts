// Workflow-safe: workflow code imports this module; keep Node-only modules out (test/workflow/bundle.test.ts).
import type { Clock } from './clock';
import type { ResponderRef } from '../incident/actor';
import type { TriggerKind } from './regimes';

export interface RecordedTrigger {
  at: string;
  recordedAt: string;
  by: string;
  via?: string;
  /** Why the instant lies in the past (required when it does), or any note. */
  reason?: string;
}

/**
 * A clock as the incident keeps it: the computed deadline, what has fired, and the filing.
 * `partial`: filed in phases (Art. 33(4)), a follow-up still owed; `withdrawn`: a person
 * decided, with a reason, that the obligation does not apply after all.
 */
export interface ObligationClock extends Clock {
  status: 'open' | 'overdue' | 'partial' | 'filed' | 'withdrawn';
  /** Reminder labels already sent, 'due' once the deadline passed, `follow-up N` once a follow-up was late. */
  fired: string[];
  /** The first filing (which meets or misses the deadline). */
  filing?: Filing;
  /** Later phases of a phased filing, oldest first. */
  followUps?: Filing[];
  /** When the owed follow-up is due; unset until computed after a partial filing. */
  followUpDueAt?: string;
  withdrawn?: { by: string; at: string; reason: string };
  /** PagerDuty services paged because the clock went overdue: resolved there once it is filed. */
  pagedServices?: string[];
  /** Set once those PagerDuty pages were resolved. */
  pagesClosed?: boolean;
}

export interface Filing {
  filedAt: string;
  by: string;
  recipient: string;
  reference: string;
  attachments?: string[];
  reasonsForDelay?: string;
  late: boolean;
  /** Content items still to come in a follow-up (a phased filing). */
  outstanding?: string[];
}

export interface FilingRequest {
  by: ResponderRef;
  obligation: string;
  /** When it was filed (ISO with offset); now when absent. */
  filedAt?: string;
  /** Who received it, when not the obligation's usual recipient. */
  recipient?: string;
  reference: string;
  attachments?: string[];
  reasonsForDelay?: string;
  /** What this filing still lacks: a follow-up is owed (only where the regime allows phases). */
  outstanding?: string[];
}

/** A reminder, the deadline or a follow-up of a clock, come due: the workflow tells the DPO and legal. */
export interface ClockNotice {
  obligation: string;
  kind: 'reminder' | 'overdue' | 'follow-up';
  label: string;
  dueAt: string;
  /** 1 for the clock's first notice, 2 for its second…: reminders climb the regulatory ladder rung by rung. */
  sequence: number;
  /** Items a late follow-up still owes. */
  outstanding?: string[];
}

export interface TriggerRequest {
  by: ResponderRef;
  event: TriggerKind;
  /** When it happened (ISO with offset); now when absent. */
  at?: string;
  reason?: string;
}

/** Obligations added to or removed from an incident by a person, with the reason. */
export interface ObligationChange {
  obligation: string;
  change: 'added' | 'removed';
  reason: string;
  by: string;
  at: string;
}

export interface ObligationsRequest {
  by: ResponderRef;
  add?: string[];
  remove?: string[];
  reason: string;
}

/**
 * The exceptions of GDPR Art. 34(3), under which a high-risk breach need not be communicated
 * to each data subject. Regulation (EU) 2016/679, Art. 34(3)(a)-(c).
 */
export const ART34_EXCEPTIONS = {
  unintelligible: 'Art. 34(3)(a): the data is unintelligible to anyone not authorised to access it (e.g. encrypted)',
  'risk-no-longer-likely': 'Art. 34(3)(b): later measures ensure the high risk is no longer likely to materialise',
  'public-communication': 'Art. 34(3)(c): individual communication would involve disproportionate effort; a public communication informs them as effectively',
} as const;
export type Art34Exception = keyof typeof ART34_EXCEPTIONS;

/** The Art. 34 decision: is the breach likely to result in a high risk, and if so, is an exception relied on? */
export interface RiskDecision {
  highRisk: boolean;
  exception?: Art34Exception;
  reasons: string;
  at: string;
  by: string;
  via?: string;
}

export interface RiskDecisionRequest {
  by: ResponderRef;
  highRisk: boolean;
  exception?: Art34Exception;
  reasons: string;
  /** When the risk was determined (ISO with offset); now when absent. Earlier than 5 minutes ago needs a note in the reasons. */
  at?: string;
}

/** The incident's state that its legal clocks own. */
export interface LegalSlice {
  /** Events that start legal clocks (aware, discovered, …), each recorded once with who, when and why. */
  triggers?: Partial<Record<TriggerKind, RecordedTrigger>>;
  /** The incident's notification obligations and their deadlines, computed when their trigger was recorded. */
  clocks?: ObligationClock[];
  /** Obligations people added to or removed from what the facts call for, with their reasons. */
  obligationChanges?: ObligationChange[];
  /** Art. 34 decisions (high risk or not, an exception relied on), latest last. */
  riskDecisions?: RiskDecision[];
}

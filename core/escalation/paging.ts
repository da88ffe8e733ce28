// Workflow-safe: workflow code imports this module; keep Node-only modules out (test/workflow/bundle.test.ts).
import type { Recipient } from './ladder';
import type { Channel } from './notification-rules';

/** One page of a responder (or a Slack channel) at a level of the ladder, and what became of it. */
export interface Page {
  level: number;
  pass: number;
  /** The responder's name, or `#<channel id>` for a channel. */
  responder: string;
  slackUserId?: string;
  /** Set when the page goes to a Slack channel rather than a person. */
  slackChannel?: string;
  /** The responder's zone, so people and tools can show page times as the responder lives them. */
  timeZone?: string;
  at: string;
  /** Where the page landed, so the message can be updated in place. */
  channel?: string;
  ts?: string;
  /** Why the page could not be delivered, if it could not. */
  failed?: string;
  /** PagerDuty service and email address of the responder, when they have them. */
  pagerDutyService?: string;
  email?: string;
  /** Notifications sent by the responder's rules after the first Slack message (or instead of it). */
  notifications?: Array<{ channel: Channel; at: string; failed?: string }>;
}

export interface LevelRecord {
  level: number;
  pass: number;
  trigger: number;
  at: string;
  paged: string[];
  skipped?: string;
}

export interface NextStep {
  at: string;
  action: string;
  /** Responder name → the instant in their zone, zone named. */
  local: Record<string, string>;
}

/** A page the ladder starts now; `key` is unique within the incident (the idempotency key's tail). */
export interface PlannedPage {
  index: number;
  key: string;
  recipient: Recipient;
}

/**
 * What the incident needs next, decided by `Incident.step`: pages to send now, a wait (until
 * an instant, or until something happens), or nothing more. The workflow and the simulator
 * both drive the incident with it.
 */
export type LadderStep =
  | { kind: 'page'; pages: PlannedPage[]; level: number; pass: number; /** How long delivery may take, in minutes. */ within: number }
  | { kind: 'wait'; until?: number }
  /**
   * The ladder's next page reads a schedule (a level, or the exhausted targets, at `level`/`pass`):
   * answer with the schedules' run-time overrides (`Incident.useRoster`) and step again. Only asked
   * by an incident that follows the live roster (`Incident.followLiveRoster`).
   */
  | { kind: 'roster'; level: number; pass: number }
  | { kind: 'done' };

/** The incident's state that its escalation owns: where the ladder stands, its timers, its pages. */
export interface EscalationSlice {
  /** 1-based level currently paged; 0 before the first page. */
  level: number;
  /** 1-based pass over the ladder. */
  pass: number;
  ladderExhausted: boolean;
  /** A responder asked to escalate now; the ladder moves to the next level at once. */
  escalationRequested?: boolean;
  /** When the level being paged escalates if nobody acknowledges (absent once acknowledged). */
  nextEscalationAt?: string;
  pages: Page[];
  /** 1 for the first run of the ladder; +1 each time it re-triggers (snooze ended, ack timed out). */
  trigger?: number;
  /** A reassignment whose page has not gone out yet. */
  reassignTo?: string;
  snoozedUntil?: string;
  /** When an acknowledgement lapses and the incident re-triggers, if the policy says so. */
  ackExpiresAt?: string;
  /** Every level the ladder reached: paged, or skipped with the reason. */
  levels?: LevelRecord[];
  /** The incident's own Slack channel (SEV1/SEV2 by policy), or why it could not be opened. */
  incidentChannel?: { id: string; name: string; ts?: string; failed?: string };
  /** What happens next and when, in UTC and in the zone of each responder paged so far (computed for queries). */
  nextStep?: NextStep;
}

// Workflow-safe: workflow code imports this module; keep Node-only modules out (test/workflow/bundle.test.ts).
import { actorOf, type IncidentPartHost } from './incident-part';
import { IncidentRuleError } from './incident-rule-error';
import type { ResponderRef } from './actor';
import { asRecipient } from '../escalation/ladder';
import { urgencyOf } from '../escalation/notification-rules';
import type { EscalationSlice } from '../escalation/paging';
import { MAX_SNOOZE_MINUTES } from '../policy/policy';

/** The incident's state that responders' actions own: who acknowledged, resolved, reassigned it, and how. */
export interface ResponderSlice {
  /** Who the incident was last reassigned to. */
  assignedTo?: string;
  /** Every acknowledgement, including those a re-trigger later undid. */
  acks?: Array<{ by: string; at: string; via?: string }>;
  /** Set when the incident was closed as a false positive (containment is rolled back). */
  falsePositive?: { by: string; reason: string; at: string };
  /** The channel the last acknowledgement, snooze or resolution came through: it is not echoed back there. */
  changedVia?: string;
  acknowledgedBy?: string;
  acknowledgedAt?: string;
  resolvedBy?: string;
  resolvedAt?: string;
  resolveNote?: string;
}

export interface AckResult {
  incidentId: string;
  acknowledgedBy: string;
  acknowledgedAt: string;
  /** True when the incident was already acknowledged (or resolved): the request changed nothing. */
  alreadyDone: boolean;
}

export interface ResolveResult {
  incidentId: string;
  resolvedBy: string;
  resolvedAt: string;
  alreadyDone: boolean;
}

/** What responders' actions write besides their slice: the timers they set or call off. */
type ActionsState = ResponderSlice & Pick<EscalationSlice, 'level' | 'snoozedUntil' | 'ackExpiresAt' | 'reassignTo' | 'escalationRequested' | 'ladderExhausted'>;

/**
 * What responders do to an incident (acknowledge, escalate, snooze, reassign, resolve, mark a
 * false positive), each with its `validate…` twin that throws an IncidentRuleError before
 * anything is recorded, so an Update's validator refuses it and history keeps nothing.
 */
export class ResponderActions {
  /** `stopPaging` calls off whatever was about to page (the escalation's timers). */
  constructor(
    private readonly host: IncidentPartHost<ActionsState>,
    private readonly stopPaging: () => void,
  ) {}

  private get state() {
    return this.host.state;
  }

  /** Throws when the request must be rejected (nothing is recorded then). */
  validateAcknowledge(ref: ResponderRef): void {
    this.host.identify(ref);
    if (this.state.status === 'resolved') {
      throw new IncidentRuleError(`incident ${this.state.incidentId} is already resolved and cannot be acknowledged`);
    }
  }

  acknowledge(ref: ResponderRef, now: string): AckResult {
    const who = this.host.identify(ref);
    if (this.state.status === 'acknowledged') {
      return {
        incidentId: this.state.incidentId,
        acknowledgedBy: this.state.acknowledgedBy!,
        acknowledgedAt: this.state.acknowledgedAt!,
        alreadyDone: true,
      };
    }
    this.stopPaging();
    this.state.status = 'acknowledged';
    this.state.acknowledgedBy = who.name;
    this.state.acknowledgedAt = now;
    this.state.changedVia = ref.via;
    (this.state.acks ??= []).push({ by: who.name, at: now, via: ref.via });
    const lapse = this.host.policy.ackTimeoutMinutes;
    if (lapse !== undefined) this.state.ackExpiresAt = new Date(Date.parse(now) + lapse * 60_000).toISOString();
    this.host.record('incident.acknowledged', now, actorOf(who, ref), {
      level: this.state.level,
      ...(this.state.ackExpiresAt ? { lapsesAt: this.state.ackExpiresAt } : {}),
    });
    return { incidentId: this.state.incidentId, acknowledgedBy: who.name, acknowledgedAt: now, alreadyDone: false };
  }

  /** Escalating is for an incident still paging, with a level above (or a pass after) the current one. */
  validateEscalate(ref: ResponderRef): void {
    this.host.identify(ref);
    if (this.state.status !== 'triggered') throw new IncidentRuleError(`incident ${this.state.incidentId} is ${this.state.status}: there is no paging to escalate`);
    if (this.state.ladderExhausted) throw new IncidentRuleError(`incident ${this.state.incidentId} has run through its whole ladder`);
  }

  /** A responder asks for the next level now instead of when the current one times out. */
  requestEscalation(ref: ResponderRef, now: string): { incidentId: string; fromLevel: number } {
    const who = this.host.identify(ref);
    this.host.changed();
    this.state.escalationRequested = true;
    this.host.record('incident.escalation_requested', now, actorOf(who, ref), { fromLevel: this.state.level });
    return { incidentId: this.state.incidentId, fromLevel: this.state.level };
  }

  validateResolve(ref: ResponderRef, note?: string): void {
    this.host.identify(ref);
    if (note !== undefined && typeof note !== 'string') throw new IncidentRuleError('a resolve note is text');
  }

  validateFalsePositive(ref: ResponderRef, reason: string): void {
    this.host.identify(ref);
    if (this.state.status === 'resolved') throw new IncidentRuleError(`incident ${this.state.incidentId} is already resolved`);
    if (typeof reason !== 'string' || !reason.trim()) throw new IncidentRuleError('marking a false positive needs a reason');
  }

  /** Closes the incident as a false positive: resolved, and its containment rolled back. */
  markFalsePositive(ref: ResponderRef, reason: string, now: string): ResolveResult {
    const who = this.host.identify(ref);
    this.state.falsePositive = { by: who.name, reason, at: now };
    this.host.record('incident.false_positive', now, actorOf(who, ref), { reason });
    return this.resolve(ref, now, `false positive: ${reason}`);
  }

  resolve(ref: ResponderRef, now: string, note?: string): ResolveResult {
    const who = this.host.identify(ref);
    if (this.state.status === 'resolved') {
      return { incidentId: this.state.incidentId, resolvedBy: this.state.resolvedBy!, resolvedAt: this.state.resolvedAt!, alreadyDone: true };
    }
    this.stopPaging();
    this.state.status = 'resolved';
    this.state.resolvedBy = who.name;
    this.state.resolvedAt = now;
    this.state.changedVia = ref.via;
    if (note) this.state.resolveNote = note;
    this.host.record('incident.resolved', now, actorOf(who, ref), note ? { note } : {});
    return { incidentId: this.state.incidentId, resolvedBy: who.name, resolvedAt: now, alreadyDone: false };
  }

  validateSnooze(ref: ResponderRef, minutes: number): void {
    this.host.identify(ref);
    if (this.state.status === 'resolved') throw new IncidentRuleError(`incident ${this.state.incidentId} is resolved: there is nothing to snooze`);
    const max = this.host.policy.maxSnoozeMinutes ?? MAX_SNOOZE_MINUTES;
    if (!Number.isInteger(minutes) || minutes < 1 || minutes > max) {
      throw new IncidentRuleError(`a snooze lasts 1 to ${max} whole minutes under policy "${this.host.policy.name}", not ${minutes}`);
    }
  }

  /** Pauses paging for a bounded time; when it ends the current level is paged again. */
  snooze(ref: ResponderRef, minutes: number, now: string): { incidentId: string; snoozedUntil: string } {
    const who = this.host.identify(ref);
    this.stopPaging();
    this.state.status = 'snoozed';
    this.state.changedVia = ref.via;
    this.state.snoozedUntil = new Date(Date.parse(now) + minutes * 60_000).toISOString();
    this.host.record('incident.snoozed', now, actorOf(who, ref), { minutes, until: this.state.snoozedUntil, level: this.state.level });
    return { incidentId: this.state.incidentId, snoozedUntil: this.state.snoozedUntil };
  }

  validateReassign(ref: ResponderRef, to: string): void {
    this.host.identify(ref);
    if (this.state.status === 'resolved') throw new IncidentRuleError(`incident ${this.state.incidentId} is resolved and cannot be reassigned`);
    const target = this.host.identify({ responder: to, via: ref.via });
    if (asRecipient(target, urgencyOf(this.state.severity)).rules.length === 0) throw new IncidentRuleError(`${to} has no channel Klaxon can page (no Slack user id, PagerDuty service or email)`);
  }

  /** Hands the incident to a person: they are paged at once, and the ladder goes on from them if they do not acknowledge. */
  reassign(ref: ResponderRef, to: string, now: string): { incidentId: string; assignedTo: string } {
    const who = this.host.identify(ref);
    const from = this.state.assignedTo ?? this.state.acknowledgedBy;
    this.stopPaging();
    this.state.status = 'triggered';
    delete this.state.acknowledgedBy;
    delete this.state.acknowledgedAt;
    this.state.assignedTo = to;
    this.state.reassignTo = to;
    this.host.record('incident.reassigned', now, actorOf(who, ref), { to, ...(from ? { from } : {}), level: this.state.level });
    return { incidentId: this.state.incidentId, assignedTo: to };
  }
}

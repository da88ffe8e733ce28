// Workflow-safe: workflow code imports this module; keep Node-only modules out (test/workflow/bundle.test.ts).
import type { Alert } from '../alerts/alert';
import { batchAlerts, type AlertBatch } from '../alerts/alert-batch';
import { AlertGroup, type MemberIndex } from '../alerts/alert-group';
import type { AuditEventKind, AuditPayload } from '../audit/events';
import type { Channel } from '../escalation/notification-rules';
import { Escalation } from '../escalation/escalation';
import type { LadderStep, Page } from '../escalation/paging';
import type { RosterAnswer } from '../oncall/runtime-override';
import { policyProblems, type Policy, type Responder } from '../policy/policy';
import { ContainmentPart } from '../containment/containment-part';
import { LegalClocksPart } from '../regulation/legal-clocks-part';
import type { SourceResolution } from '../sources/source';
import type { DrillFacts } from '../drills/drill';
import { dueInjects, injectAlert, injectRecord } from '../drills/injects';
import { SYSTEM, type Actor, type ResponderRef } from './actor';
import { identifyResponder } from './identify';
import { IncidentAlerts, REMEMBERED_DELIVERIES, type AlertOutcome } from './incident-alerts';
import type { IncidentPartHost, IncidentStatus } from './incident-part';
import { IncidentRuleError } from './incident-rule-error';
import { alertBatchProblem, resolutionProblem } from './message-shapes';
import { ResponderActions, type AckResult, type ResolveResult } from './responder-actions';
import type { IncidentEvent, IncidentMemento, IncidentState } from './state';

/** A refusal's reason is an error message about outside input: bounded, like every stored text. */
const MAX_REFUSAL_REASON = 300;

// What the rest of Klaxon reads of an incident, named where the incident is.
export type { Actor, ResponderRef } from './actor';
export type { IncidentStatus } from './incident-part';
export type { AlertOutcome } from './incident-alerts';
export type { AckResult, ResolveResult } from './responder-actions';
export type { IncidentEvent, IncidentMemento, IncidentState } from './state';
export type { LadderStep, LevelRecord, NextStep, Page, PlannedPage } from '../escalation/paging';

/**
 * An incident's state and rules, free of Temporal: the workflow wires messages to these
 * methods and turns the escalation steps into timers and activities. A thin front over its
 * parts, each owning its slice of the state: the alerts (`IncidentAlerts`), the escalation
 * ladder and its pages (`Escalation`), responders' actions (`ResponderActions`), the legal
 * clocks (`legal`) and containment (`containment`). What crosses parts happens here.
 */
export class Incident {
  /** Bumped by each change that can alter the ladder's next step (see `revision`). */
  private changes = 0;

  private readonly alerts: IncidentAlerts;
  private readonly escalation: Escalation;
  private readonly responders: ResponderActions;

  /** The legal clocks: triggers, obligations, deadlines, filings. */
  readonly legal: LegalClocksPart;

  /** The containment saga: actions, approvals, undo. */
  readonly containment: ContainmentPart;

  private constructor(
    private pinned: Policy,
    private readonly state: IncidentState,
    deliveries: readonly string[],
    rememberedDeliveries: number,
    private readonly pending: IncidentEvent[],
    members?: MemberIndex,
  ) {
    const incident = this;
    const host: IncidentPartHost<IncidentState> = {
      state,
      get policy() {
        return incident.pinned;
      },
      identify: (ref: ResponderRef) => this.identify(ref),
      record: (kind, at, actor, payload) => this.emit(kind, at, actor, payload),
      changed: () => {
        this.changes += 1;
      },
    };
    this.alerts = new IncidentAlerts(host, deliveries, rememberedDeliveries, members);
    this.escalation = new Escalation(host);
    this.responders = new ResponderActions(host, () => this.escalation.stop());
    this.legal = new LegalClocksPart(host);
    this.containment = new ContainmentPart(host);
  }

  /**
   * A new incident from its first alert. `rememberedDeliveries`: how many delivery ids it keeps
   * against replays (the workflow gives runs begun before that bound grew the one they had).
   */
  static open(incidentId: string, policy: Policy, first: Alert, now: string, rememberedDeliveries = REMEMBERED_DELIVERIES, drill?: DrillFacts): Incident {
    const incident = new Incident(
      policy,
      {
        incidentId,
        status: 'triggered',
        title: first.title,
        severity: first.severity,
        tenant: first.tenant,
        // Filled, within its bounds, by the first alert's batch below.
        dataCategories: [],
        service: first.classification?.service ?? 'unclassified',
        surfaces: [],
        jurisdictions: [],
        ...(typeof first.details.triage === 'string' ? { triage: first.details.triage } : {}),
        policyName: policy.name,
        openedAt: now,
        ...(drill ? { drill } : {}),
        level: 0,
        pass: 1,
        ladderExhausted: false,
        alertCount: 0,
        lastAlertAt: first.receivedAt,
        ...(first.member ? { group: AlertGroup.start(first.member.groupKey).view } : {}),
        pages: [],
      },
      [],
      rememberedDeliveries,
      [],
    );
    // A drill's ledger begins by saying it is one.
    if (drill) {
      const { scenario, startedBy, scheduleId, sandboxTenant } = drill;
      incident.emit('drill.started', now, SYSTEM, { scenario, policy: policy.name, startedBy, ...(scheduleId ? { scheduleId } : {}), ...(sandboxTenant ? { sandboxTenant } : {}) });
    }
    incident.emit('incident.opened', now, SYSTEM, { policy: policy.name, policyHash: policy.hash, tenant: first.tenant, severity: first.severity, dedupKey: first.dedupKey });
    incident.recordAlerts(batchAlerts([first]), now);
    return incident;
  }

  /** The incident as `memento()` left it, e.g. in the previous run before a continue-as-new. */
  static restore(policy: Policy, memento: IncidentMemento, rememberedDeliveries = REMEMBERED_DELIVERIES): Incident {
    return new Incident(policy, memento.state, memento.deliveries, rememberedDeliveries, [...memento.pending], memento.members);
  }

  /** Everything needed to carry on elsewhere, audit events not yet written included. */
  memento(): IncidentMemento {
    const members = this.alerts.members;
    return JSON.parse(JSON.stringify({ state: this.state, deliveries: this.alerts.deliveries, pending: this.pending, ...(members ? { members } : {}) })) as IncidentMemento;
  }

  get status(): IncidentStatus {
    return this.state.status;
  }

  /** The policy pinned to the incident. */
  get policy(): Policy {
    return this.pinned;
  }

  snapshot(): IncidentState {
    // A deep copy, so a query's answer cannot be mutated through (structuredClone is not in the workflow sandbox).
    const copy = JSON.parse(JSON.stringify(this.state)) as IncidentState;
    const next = this.escalation.nextStep();
    if (next) copy.nextStep = next;
    return copy;
  }

  /** Audit events produced since the last call, oldest first. */
  takeEvents(): IncidentEvent[] {
    return this.pending.splice(0, this.pending.length);
  }

  /** Bumped by every message that can change what the ladder does next; the workflow waits on it. */
  get revision(): number {
    return this.changes;
  }

  /** Counts a batch of alerts, each delivery once; new facts can start a legal clock or call for containment. */
  recordAlerts(batch: AlertBatch, now: string): AlertOutcome {
    refuseMalformed(alertBatchProblem(batch));
    const outcome = this.alerts.record(batch, now);
    if (outcome.counted === 0) return outcome;
    this.legal.awareByPolicy(now);
    this.containment.propose(now);
    return outcome;
  }

  /**
   * A source says what it alerted on is over (see `IncidentAlerts.recordSourceResolution`);
   * when that ends the incident, paging stops and the incident is resolved by the source.
   * False when the resolution was seen before.
   */
  /**
   * A signal the incident could not apply (malformed: Klaxon's API never sends one, so someone
   * with access to Temporal did) is dropped and said so in the audit record, instead of failing
   * every workflow task after it and freezing the incident.
   */
  recordRefusedMessage(message: string, reason: string, now: string): void {
    this.emit('message.refused', now, SYSTEM, { message, reason: reason.slice(0, MAX_REFUSAL_REASON) });
  }

  recordSourceResolution(resolution: SourceResolution, now: string, runOpenedAt: string): boolean {
    refuseMalformed(resolutionProblem(resolution));
    const recorded = this.alerts.recordSourceResolution(resolution, now, runOpenedAt);
    if (!recorded) return false;
    if (recorded.resolves) {
      this.escalation.stop();
      this.state.status = 'resolved';
      this.state.resolvedBy = resolution.source;
      this.state.resolvedAt = now;
      this.state.resolveNote = recorded.resolves.note;
      this.emit('incident.resolved', now, recorded.resolves.actor, { auto: true });
    }
    return true;
  }

  /** The drill's facts when the incident is a drill's (workflows/drill.ts). */
  get drill(): DrillFacts | undefined {
    return this.state.drill;
  }

  /**
   * A drill's injects whose time has come, each recorded once (`drill.inject`); an alert inject
   * is delivered as another alert of the drill. False when none was due (always for a real incident).
   */
  recordDueInjects(now: string): boolean {
    const drill = this.state.drill;
    const due = dueInjects(drill, Date.parse(now));
    if (!drill || !due.length) return false;
    for (const i of due) {
      const n = (drill.injectsRecorded = (drill.injectsRecorded ?? 0) + 1);
      this.emit('drill.inject', now, SYSTEM, injectRecord(i));
      if (i.kind === 'alert' && this.state.status !== 'resolved') this.recordAlerts(batchAlerts([injectAlert(this.state, i, n)]), now);
    }
    this.changes += 1;
    return true;
  }

  /** Who a reference names, or an IncidentRuleError saying why nobody. */
  identify(ref: ResponderRef): Responder {
    return identifyResponder(this.pinned, ref);
  }

  // The ladder and its pages (core/escalation/escalation.ts).
  step(now: string): LadderStep { return this.escalation.step(now); }
  /** Pinned policy, live roster: pages of schedules first ask for run-time overrides (a `roster` step). */
  followLiveRoster(): void { this.escalation.followLiveRoster(); }
  useRoster(answer: RosterAnswer, now: string): void { this.escalation.useRoster(answer, now); }
  startPage(page: Omit<Page, 'channel' | 'ts'>): number { return this.escalation.startPage(page); }
  pageDelivered(index: number, posted: { channel: string; ts: string }): void { this.escalation.pageDelivered(index, posted); }
  pageFailed(index: number, reason: string, now: string): void { this.escalation.pageFailed(index, reason, now); }
  notified(index: number, channel: Channel, now: string): void { this.escalation.notified(index, channel, now); }
  notificationFailed(index: number, channel: Channel, reason: string, next: Channel | undefined, now: string): void { this.escalation.notificationFailed(index, channel, reason, next, now); }
  notificationsCancelled(pending: Array<{ responder: string; channel: Channel }>, now: string): void { this.escalation.notificationsCancelled(pending, now); }
  pagerDutyServices(): string[] { return this.escalation.pagerDutyServices(); }
  wantsIncidentChannel(): boolean { return this.escalation.wantsIncidentChannel(); }
  openingIncidentChannel(): void { this.escalation.openingIncidentChannel(); }
  incidentChannelOpened(channel: { id: string; name: string; ts: string }, now: string): void { this.escalation.incidentChannelOpened(channel, now); }
  incidentChannelFailed(reason: string, now: string): void { this.escalation.incidentChannelFailed(reason, now); }

  // What responders do (core/incident/responder-actions.ts).
  validateAcknowledge(ref: ResponderRef): void { this.responders.validateAcknowledge(ref); }
  acknowledge(ref: ResponderRef, now: string): AckResult { return this.responders.acknowledge(ref, now); }
  validateEscalate(ref: ResponderRef): void { this.responders.validateEscalate(ref); }
  requestEscalation(ref: ResponderRef, now: string): { incidentId: string; fromLevel: number } { return this.responders.requestEscalation(ref, now); }
  validateResolve(ref: ResponderRef, note?: string): void { this.responders.validateResolve(ref, note); }
  resolve(ref: ResponderRef, now: string, note?: string): ResolveResult { return this.responders.resolve(ref, now, note); }
  validateFalsePositive(ref: ResponderRef, reason: string): void { this.responders.validateFalsePositive(ref, reason); }
  markFalsePositive(ref: ResponderRef, reason: string, now: string): ResolveResult { return this.responders.markFalsePositive(ref, reason, now); }
  validateSnooze(ref: ResponderRef, minutes: number): void { this.responders.validateSnooze(ref, minutes); }
  snooze(ref: ResponderRef, minutes: number, now: string): { incidentId: string; snoozedUntil: string } { return this.responders.snooze(ref, minutes, now); }
  validateReassign(ref: ResponderRef, to: string): void { this.responders.validateReassign(ref, to); }
  reassign(ref: ResponderRef, to: string, now: string): { incidentId: string; assignedTo: string } { return this.responders.reassign(ref, to, now); }

  validateRepin(ref: ResponderRef, policy: Policy): void {
    this.identify(ref);
    if (this.state.status === 'resolved') throw new IncidentRuleError(`incident ${this.state.incidentId} is resolved: its policy can no longer change`);
    const problems = policyProblems(policy);
    if (problems.length) throw new IncidentRuleError(`policy "${policy.name}" is not valid: ${problems.map((p) => p.message).join('; ')}`);
  }

  /**
   * Pins another policy (e.g. the edited file) to the running incident. The ladder keeps its
   * place, cut to the new policy's length; the current level's deadline stands.
   */
  repin(ref: ResponderRef, policy: Policy, now: string): { incidentId: string; policy: string; policyHash?: string } {
    const who = this.identify(ref);
    const from = { policy: this.pinned.name, policyHash: this.pinned.hash };
    this.changes += 1;
    this.pinned = policy;
    this.state.policyName = policy.name;
    this.state.level = Math.min(this.state.level, policy.levels.length);
    this.state.pass = Math.min(this.state.pass, policy.repeat + 1);
    this.emit('policy.repinned', now, { type: 'responder', name: who.name, via: ref.via }, { from, to: { policy: policy.name, policyHash: policy.hash } });
    return { incidentId: this.state.incidentId, policy: policy.name, policyHash: policy.hash };
  }

  private emit<K extends AuditEventKind>(kind: K, at: string, actor: Actor, payload: AuditPayload<K>): void {
    // TypeScript cannot see that a kind K with K's payload is one member of the AuditRecord union.
    this.pending.push({ kind, at, actor, payload } as IncidentEvent);
  }
}

/** A message that fails its shape check is refused whole, before any of it is applied. */
function refuseMalformed(problem: string | undefined): void {
  if (problem) throw new IncidentRuleError(problem);
}

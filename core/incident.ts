import type { Alert, Severity } from './alert';
import { batchAlerts, mostSevere, type AlertBatch } from './alert-batch';
import { onCallAt } from './schedule';
import type { SourceResolution } from './sources/source';
import type { Policy, Responder } from './policy';

export type IncidentStatus = 'triggered' | 'acknowledged' | 'resolved';

/** Who did something, as recorded in the ledger. */
export interface Actor {
  type: 'system' | 'responder';
  name: string;
  /** The channel the action came through: slack, cli, api. */
  via?: string;
}

/** Identifies a responder by name (CLI, API) or by Slack user id (Slack buttons). */
export interface ResponderRef {
  responder?: string;
  slackUserId?: string;
  via: 'slack' | 'cli' | 'api';
}

export interface Page {
  level: number;
  pass: number;
  responder: string;
  slackUserId: string;
  /** The responder's zone, so people and tools can show page times as the responder lives them. */
  timeZone?: string;
  at: string;
  /** Where the page landed, so the message can be updated in place. */
  channel?: string;
  ts?: string;
  /** Why the page could not be delivered, if it could not. */
  failed?: string;
}

export interface IncidentState {
  incidentId: string;
  status: IncidentStatus;
  title: string;
  severity: Severity;
  tenant: string;
  dataCategories: string[];
  /** From the classification rules: the service, affected surfaces and jurisdictions. */
  service: string;
  surfaces: string[];
  jurisdictions: string[];
  /** Why a person should look at how this incident was classified; absent when a rule matched. */
  triage?: string;
  policyName: string;
  openedAt: string;
  /** 1-based level currently paged; 0 before the first page. */
  level: number;
  /** 1-based pass over the ladder. */
  pass: number;
  ladderExhausted: boolean;
  /** A responder asked to escalate now; the ladder moves to the next level at once. */
  escalationRequested?: boolean;
  /** When the level being paged escalates if nobody acknowledges (absent once acknowledged). */
  nextEscalationAt?: string;
  alertCount: number;
  lastAlertAt: string;
  pages: Page[];
  acknowledgedBy?: string;
  acknowledgedAt?: string;
  resolvedBy?: string;
  resolvedAt?: string;
  resolveNote?: string;
}

/** One audit record the incident produced; the workflow writes them to the ledger in order. */
export interface IncidentEvent {
  kind: string;
  at: string;
  actor: Actor;
  payload: Record<string, unknown>;
}

export interface AlertOutcome {
  /** Alerts of the batch counted now; deliveries seen before are not counted again. */
  counted: number;
  alertCount: number;
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

export interface IncidentMemento {
  state: IncidentState;
  deliveries: string[];
  pending: IncidentEvent[];
}

/** A rule of the incident that a request broke, e.g. an unknown responder. */
export class IncidentRuleError extends Error {}

/**
 * Delivery ids remembered to spot replays (a sender retrying a request it already sent).
 * Bounded, so a storm cannot grow the state without limit; a replay older than this many
 * deliveries would count again.
 */
const REMEMBERED_DELIVERIES = 1000;

const SYSTEM: Actor = { type: 'system', name: 'klaxon' };

/** Adds the values `into` lacks, keeping its order. */
function mergeInto(into: string[], values: string[]): void {
  for (const v of values) if (!into.includes(v)) into.push(v);
}

/**
 * An incident's state and rules, free of Temporal: the workflow wires messages to these
 * methods and turns the escalation steps into timers and activities.
 */
export class Incident {
  private constructor(
    readonly policy: Policy,
    private readonly state: IncidentState,
    private readonly deliveries: string[],
    private readonly pending: IncidentEvent[],
  ) {}

  /** A new incident from its first alert. */
  static open(incidentId: string, policy: Policy, first: Alert, now: string): Incident {
    const incident = new Incident(
      policy,
      {
        incidentId,
        status: 'triggered',
        title: first.title,
        severity: first.severity,
        tenant: first.tenant,
        dataCategories: [...first.dataCategories],
        service: first.classification?.service ?? 'unclassified',
        surfaces: [],
        jurisdictions: [],
        ...(typeof first.details.triage === 'string' ? { triage: first.details.triage } : {}),
        policyName: policy.name,
        openedAt: now,
        level: 0,
        pass: 1,
        ladderExhausted: false,
        alertCount: 0,
        lastAlertAt: first.receivedAt,
        pages: [],
      },
      [],
      [],
    );
    incident.emit('incident.opened', now, SYSTEM, { policy: policy.name, policyHash: policy.hash, tenant: first.tenant, severity: first.severity, dedupKey: first.dedupKey });
    incident.recordAlerts(batchAlerts([first]), now);
    return incident;
  }

  /** The incident as `memento()` left it, e.g. in the previous run before a continue-as-new. */
  static restore(policy: Policy, memento: IncidentMemento): Incident {
    return new Incident(policy, memento.state, [...memento.deliveries], [...memento.pending]);
  }

  /** Everything needed to carry on elsewhere, audit events not yet written included. */
  memento(): IncidentMemento {
    return JSON.parse(JSON.stringify({ state: this.state, deliveries: this.deliveries, pending: this.pending })) as IncidentMemento;
  }

  get status(): IncidentStatus {
    return this.state.status;
  }

  get nextEscalationAt(): number | undefined {
    return this.state.nextEscalationAt === undefined ? undefined : Date.parse(this.state.nextEscalationAt);
  }

  get escalationRequested(): boolean {
    return this.state.escalationRequested === true;
  }

  snapshot(): IncidentState {
    // A deep copy, so a query's answer cannot be mutated through (structuredClone is not in the workflow sandbox).
    return JSON.parse(JSON.stringify(this.state)) as IncidentState;
  }

  /** Audit events produced since the last call, oldest first. */
  takeEvents(): IncidentEvent[] {
    return this.pending.splice(0, this.pending.length);
  }

  /** Counts a batch of alerts, each delivery once, and records them as one ledger event. */
  recordAlerts(batch: AlertBatch, now: string): AlertOutcome {
    const fresh = [...new Set(batch.deliveryIds)].filter((id) => !this.deliveries.includes(id));
    if (fresh.length === 0) return { counted: 0, alertCount: this.state.alertCount };
    this.deliveries.push(...fresh);
    this.deliveries.splice(0, Math.max(0, this.deliveries.length - REMEMBERED_DELIVERIES));
    const first = this.state.alertCount + 1;
    this.state.alertCount += fresh.length;
    this.state.lastAlertAt = batch.lastReceivedAt;
    mergeInto(this.state.dataCategories, batch.dataCategories);
    // Batches signalled before classification existed carry no surfaces or jurisdictions.
    mergeInto(this.state.surfaces, batch.surfaces ?? []);
    mergeInto(this.state.jurisdictions, batch.jurisdictions ?? []);
    const severity = mostSevere(this.state.severity, batch.severity);
    const sample = batch.sample[0];
    this.emit('alert.received', now, { type: 'system', name: sample.source, via: 'webhook' }, {
      source: sample.source,
      title: sample.title,
      severity: batch.severity,
      dedupKey: sample.dedupKey,
      count: fresh.length,
      alertNumbers: [first, this.state.alertCount],
      deliveryIds: fresh,
      firstReceivedAt: batch.firstReceivedAt,
      lastReceivedAt: batch.lastReceivedAt,
      alertCount: this.state.alertCount,
    });
    if (severity !== this.state.severity) {
      this.emit('severity.raised', now, SYSTEM, { from: this.state.severity, to: severity });
      this.state.severity = severity;
    }
    return { counted: fresh.length, alertCount: this.state.alertCount };
  }

  /**
   * A source says what it alerted on is over. Recorded; and when the policy allows it, the
   * incident is resolved by the source (a person's resolution is never overridden).
   */
  recordSourceResolution(resolution: SourceResolution, now: string): boolean {
    if (this.deliveries.includes(resolution.deliveryId)) return false;
    this.deliveries.push(resolution.deliveryId);
    const actor: Actor = { type: 'system', name: resolution.source, via: 'webhook' };
    this.emit('alert.resolved_by_source', now, actor, { ...resolution, autoResolve: this.policy.autoResolve });
    if (this.policy.autoResolve && this.state.status !== 'resolved') {
      this.state.status = 'resolved';
      delete this.state.nextEscalationAt;
      this.state.resolvedBy = resolution.source;
      this.state.resolvedAt = now;
      this.state.resolveNote = `resolved by ${resolution.source}`;
      this.emit('incident.resolved', now, actor, { auto: true });
    }
    return true;
  }

  /** The responders of the level to page next, or undefined when the ladder is exhausted. */
  /**
   * The responders of the level to page next, with schedules resolved to whoever is on call
   * `now`; undefined when the ladder is exhausted. A schedule with nobody on call is recorded
   * (`target.unresolved`), never skipped silently.
   */
  nextLevel(now: string): { level: number; pass: number; responders: Responder[]; timeoutMinutes: number } | undefined {
    if (this.state.ladderExhausted) return undefined;
    let level = this.state.level + 1;
    let pass = this.state.pass;
    if (level > this.policy.levels.length) {
      level = 1;
      pass += 1;
    }
    if (pass > this.policy.repeat + 1) return undefined;
    const def = this.policy.levels[level - 1];
    const responders: Responder[] = [];
    for (const target of def.targets) {
      const name = typeof target === 'string' ? target : this.onCall(target.schedule, now);
      if (name === undefined) {
        this.emit('target.unresolved', now, SYSTEM, { level, pass, schedule: (target as { schedule: string }).schedule, reason: 'nobody is on call' });
      } else if (!responders.some((r) => r.name === name)) {
        responders.push(this.responderNamed(name));
      }
    }
    return { level, pass, timeoutMinutes: def.timeoutMinutes, responders };
  }

  /**
   * Records that a level is being paged, and when it escalates if nobody acknowledges: the
   * level's time counts from when paging starts, however long the pages take to land.
   */
  startLevel(level: number, pass: number, timeoutMinutes: number, now: string): void {
    const first = this.state.level === 0;
    this.state.level = level;
    this.state.pass = pass;
    this.state.nextEscalationAt = new Date(Date.parse(now) + timeoutMinutes * 60_000).toISOString();
    if (!first) this.emit('incident.escalated', now, SYSTEM, { level, pass });
  }

  /** The current level's time is up (or an escalation was asked for): the next level is due. */
  endLevel(): void {
    delete this.state.nextEscalationAt;
  }

  /**
   * Records a page as it starts, before it is delivered: a responder can only act on a page
   * after it began, so the ledger keeps paged → acknowledged in that order even when the
   * acknowledgement arrives before the delivery is confirmed. Returns the page's index.
   */
  startPage(page: Omit<Page, 'channel' | 'ts'>): number {
    this.emit('responder.paged', page.at, SYSTEM, { ...page });
    return this.state.pages.push({ ...page }) - 1;
  }

  /** Where a started page landed, so its message can be updated in place. */
  pageDelivered(index: number, posted: { channel: string; ts: string }): void {
    Object.assign(this.state.pages[index], posted);
  }

  /** A page that could not be delivered within its level's time: recorded loudly, and the ladder goes on. */
  pageFailed(index: number, reason: string, now: string): void {
    const page = this.state.pages[index];
    page.failed = reason;
    this.emit('page.failed', now, SYSTEM, { level: page.level, pass: page.pass, responder: page.responder, slackUserId: page.slackUserId, reason });
  }

  /** Records, once, that the ladder ran out with nobody acknowledging. */
  markExhausted(now: string): void {
    if (this.state.ladderExhausted) return;
    this.state.ladderExhausted = true;
    this.emit('ladder.exhausted', now, SYSTEM, { passes: this.state.pass, levels: this.policy.levels.length });
  }

  /** Who a reference names, or an IncidentRuleError saying why nobody. */
  identify(ref: ResponderRef): Responder {
    const found = ref.responder
      ? this.policy.responders.find((r) => r.name === ref.responder)
      : ref.slackUserId
        ? this.policy.responders.find((r) => r.slackUserId === ref.slackUserId)
        : undefined;
    if (!found) {
      const who = ref.responder ?? (ref.slackUserId ? `Slack user ${ref.slackUserId}` : 'an anonymous caller');
      throw new IncidentRuleError(`${who} is not a responder of policy "${this.policy.name}" and may not act on this incident`);
    }
    return found;
  }

  /** Throws when the request must be rejected (nothing is recorded then). */
  validateAcknowledge(ref: ResponderRef): void {
    this.identify(ref);
    if (this.state.status === 'resolved') {
      throw new IncidentRuleError(`incident ${this.state.incidentId} is already resolved and cannot be acknowledged`);
    }
  }

  acknowledge(ref: ResponderRef, now: string): AckResult {
    const who = this.identify(ref);
    if (this.state.status === 'acknowledged') {
      return {
        incidentId: this.state.incidentId,
        acknowledgedBy: this.state.acknowledgedBy!,
        acknowledgedAt: this.state.acknowledgedAt!,
        alreadyDone: true,
      };
    }
    this.state.status = 'acknowledged';
    delete this.state.nextEscalationAt;
    this.state.acknowledgedBy = who.name;
    this.state.acknowledgedAt = now;
    this.emit('incident.acknowledged', now, { type: 'responder', name: who.name, via: ref.via }, { level: this.state.level });
    return { incidentId: this.state.incidentId, acknowledgedBy: who.name, acknowledgedAt: now, alreadyDone: false };
  }

  /** Escalating is for an incident still paging, with a level above (or a pass after) the current one. */
  validateEscalate(ref: ResponderRef): void {
    this.identify(ref);
    if (this.state.status !== 'triggered') throw new IncidentRuleError(`incident ${this.state.incidentId} is ${this.state.status}: there is no paging to escalate`);
    if (this.state.ladderExhausted) throw new IncidentRuleError(`incident ${this.state.incidentId} has run through its whole ladder`);
  }

  /** A responder asks for the next level now instead of when the current one times out. */
  requestEscalation(ref: ResponderRef, now: string): { incidentId: string; fromLevel: number } {
    const who = this.identify(ref);
    this.state.escalationRequested = true;
    this.emit('incident.escalation_requested', now, { type: 'responder', name: who.name, via: ref.via }, { fromLevel: this.state.level });
    return { incidentId: this.state.incidentId, fromLevel: this.state.level };
  }

  /** Takes the pending escalation request, if any: the ladder moves on when this is true. */
  takeEscalationRequest(): boolean {
    const requested = this.state.escalationRequested === true;
    delete this.state.escalationRequested;
    return requested;
  }

  validateResolve(ref: ResponderRef): void {
    this.identify(ref);
  }

  resolve(ref: ResponderRef, now: string, note?: string): ResolveResult {
    const who = this.identify(ref);
    if (this.state.status === 'resolved') {
      return { incidentId: this.state.incidentId, resolvedBy: this.state.resolvedBy!, resolvedAt: this.state.resolvedAt!, alreadyDone: true };
    }
    this.state.status = 'resolved';
    delete this.state.nextEscalationAt;
    this.state.resolvedBy = who.name;
    this.state.resolvedAt = now;
    if (note) this.state.resolveNote = note;
    this.emit('incident.resolved', now, { type: 'responder', name: who.name, via: ref.via }, note ? { note } : {});
    return { incidentId: this.state.incidentId, resolvedBy: who.name, resolvedAt: now, alreadyDone: false };
  }

  private onCall(scheduleName: string, now: string): string | undefined {
    const schedule = this.policy.schedules?.find((s) => s.name === scheduleName);
    if (!schedule) throw new IncidentRuleError(`policy "${this.policy.name}" names unknown schedule "${scheduleName}"`);
    return onCallAt(schedule, Date.parse(now)).responder;
  }

  private responderNamed(name: string): Responder {
    const r = this.policy.responders.find((x) => x.name === name);
    if (!r) throw new IncidentRuleError(`policy "${this.policy.name}" names unknown responder "${name}"`);
    return r;
  }

  private emit(kind: string, at: string, actor: Actor, payload: Record<string, unknown>): void {
    this.pending.push({ kind, at, actor, payload });
  }
}

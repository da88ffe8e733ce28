import type { Alert } from '../alerts/alert';
import type { Severity } from '../alerts/severity';
import { batchAlerts, mostSevere, type AlertBatch } from '../alerts/alert-batch';
import { AlertGroup, type GroupView, type MemberIndex } from '../alerts/alert-group';
import { asRecipient, resolveExhausted, resolveLevel, type Recipient } from '../escalation/ladder';
import { urgencyOf, type Channel } from '../escalation/notification-rules';
import { MAX_SNOOZE_MINUTES, policyProblems, type Policy, type Responder } from '../policy/policy';
import { IncidentRuleError } from './incident-rule-error';
import { SYSTEM, type IncidentPartHost } from './incident-part';
import { Containment, type ContainmentAction } from '../containment/containment';
import { LegalClocks, type ObligationChange, type ObligationClock, type RecordedTrigger, type RiskDecision } from '../regulation/legal-clocks';
import type { TriggerKind } from '../regulation/regimes';
import type { SourceResolution } from '../sources/source';
import { formatInstant } from '../shared/time-format';
import { staleResolution } from '../alerts/stale-resolution';
import { keepDataCategories, MAX_DATA_CATEGORIES, MAX_DATA_CATEGORIES_BYTES } from '../alerts/data-categories';

/** Snoozed: paging paused for a bounded time, after which the ladder resumes at its level. */
export type IncidentStatus = 'triggered' | 'acknowledged' | 'snoozed' | 'resolved';

/** Who did something, as recorded in the ledger. */
export interface Actor {
  type: 'system' | 'responder' | 'token';
  name: string;
  /** The channel the action came through: slack, cli, api. */
  via?: string;
}

/** Identifies a responder by name (CLI, API) or by Slack user id (Slack buttons). */
export interface ResponderRef {
  responder?: string;
  slackUserId?: string;
  pagerDutyUserId?: string;
  via: (typeof RESPONDER_CHANNELS)[number];
}

/** The channels a person acts through, recorded with every change they make. */
export const RESPONDER_CHANNELS = ['slack', 'cli', 'api', 'pagerduty'] as const;

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

export interface IncidentState {
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
  /** The notification group the incident stands for (Alertmanager, Grafana): its alerts, counted, and how many still fire. */
  group?: GroupView;
  pages: Page[];
  /** 1 for the first run of the ladder; +1 each time it re-triggers (snooze ended, ack timed out). */
  trigger?: number;
  /** Who the incident was last reassigned to. */
  assignedTo?: string;
  /** A reassignment whose page has not gone out yet. */
  reassignTo?: string;
  snoozedUntil?: string;
  /** When an acknowledgement lapses and the incident re-triggers, if the policy says so. */
  ackExpiresAt?: string;
  /** Every level the ladder reached: paged, or skipped with the reason. */
  levels?: LevelRecord[];
  /** Every acknowledgement, including those a re-trigger later undid. */
  acks?: Array<{ by: string; at: string; via?: string }>;
  /** The incident's own Slack channel (SEV1/SEV2 by policy), or why it could not be opened. */
  incidentChannel?: { id: string; name: string; ts?: string; failed?: string };
  /** Events that start legal clocks (aware, discovered, …), each recorded once with who, when and why. */
  triggers?: Partial<Record<TriggerKind, RecordedTrigger>>;
  /** The incident's notification obligations and their deadlines, computed when their trigger was recorded. */
  clocks?: ObligationClock[];
  /** Obligations people added to or removed from what the facts call for, with their reasons. */
  obligationChanges?: ObligationChange[];
  /** Art. 34 decisions (high risk or not, an exception relied on), latest last. */
  riskDecisions?: RiskDecision[];
  /** Containment actions: proposed, approved, applied, undone, each with who and why. */
  containment?: ContainmentAction[];
  /** Set when the incident was closed as a false positive (containment is rolled back). */
  falsePositive?: { by: string; reason: string; at: string };
  /** The channel the last acknowledgement, snooze or resolution came through: it is not echoed back there. */
  changedVia?: string;
  /** What happens next and when, in UTC and in the zone of each responder paged so far (computed for queries). */
  nextStep?: NextStep;
  acknowledgedBy?: string;
  acknowledgedAt?: string;
  resolvedBy?: string;
  resolvedAt?: string;
  resolveNote?: string;
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
  | { kind: 'done' };

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
  /** The group's member index (core/alerts/alert-group.ts); absent for an incident that is no group's. */
  members?: MemberIndex;
}


/**
 * Delivery ids remembered to spot replays (a sender retrying a request it already sent).
 * Bounded, so a storm cannot grow the state without limit; a replay older than this many
 * deliveries would count again.
 */
const REMEMBERED_DELIVERIES = 1000;


/** Adds the values `into` lacks, keeping its order. */
function mergeInto(into: string[], values: string[]): void {
  for (const v of values) if (!into.includes(v)) into.push(v);
}

/**
 * An incident's state and rules, free of Temporal: the workflow wires messages to these
 * methods and turns the escalation steps into timers and activities.
 */
export class Incident {
  /** Bumped by each change that can alter the ladder's next step (see `revision`). */
  private changes = 0;

  /** The legal clocks: triggers, obligations, deadlines, filings. */
  readonly legal: LegalClocks;

  /** The containment saga: actions, approvals, undo. */
  readonly containment: Containment;

  /** The alerts of the notification group, when the incident is a group's (its view lives in the state). */
  private readonly group: AlertGroup | undefined;

  private constructor(
    private pinned: Policy,
    private readonly state: IncidentState,
    private readonly deliveries: string[],
    private readonly pending: IncidentEvent[],
    members?: MemberIndex,
  ) {
    this.group = state.group ? AlertGroup.restore(state.group, members) : undefined;
    const incident = this;
    const host: IncidentPartHost = {
      state,
      get policy() {
        return incident.pinned;
      },
      identify: (ref: ResponderRef) => this.identify(ref),
      record: (kind: string, at: string, actor: Actor, payload: Record<string, unknown>) => this.emit(kind, at, actor, payload),
      changed: () => {
        this.changes += 1;
      },
    };
    this.legal = new LegalClocks(host);
    this.containment = new Containment(host);
  }

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
        // Filled, within its bounds, by the first alert's batch below.
        dataCategories: [],
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
        ...(first.member ? { group: AlertGroup.start(first.member.groupKey).view } : {}),
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
    return new Incident(policy, memento.state, [...memento.deliveries], [...memento.pending], memento.members);
  }

  /** Everything needed to carry on elsewhere, audit events not yet written included. */
  memento(): IncidentMemento {
    return JSON.parse(JSON.stringify({ state: this.state, deliveries: this.deliveries, pending: this.pending, ...(this.group ? { members: this.group.index } : {}) })) as IncidentMemento;
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
    const next = this.nextStep();
    if (next) copy.nextStep = next;
    return copy;
  }

  /** The next timed step, if one is set, shown in UTC and in each paged responder's zone. */
  private nextStep(): NextStep | undefined {
    const s = this.state;
    let at: string | undefined;
    let action: string;
    if (s.status === 'triggered' && s.nextEscalationAt) {
      at = s.nextEscalationAt;
      const last = s.level >= this.policy.levels.length;
      action = last && s.pass > this.policy.repeat ? 'the ladder is exhausted' : `escalate to level ${last ? 1 : s.level + 1}${last ? ` (pass ${s.pass + 1})` : ''}`;
    } else if (s.status === 'snoozed') {
      at = s.snoozedUntil;
      action = `the snooze ends: level ${Math.max(1, s.level)} is paged again`;
    } else if (s.status === 'acknowledged' && s.ackExpiresAt) {
      at = s.ackExpiresAt;
      action = 'the acknowledgement lapses: the incident re-triggers from level 1';
    } else {
      return undefined;
    }
    // fromEntries defines own properties, whatever a responder is called ("__proto__" included).
    const local: Record<string, string> = Object.fromEntries(s.pages.flatMap((p) => (p.timeZone ? [[p.responder, formatInstant(at!, p.timeZone)]] : [])));
    return { at: at!, action, local };
  }

  /** Audit events produced since the last call, oldest first. */
  takeEvents(): IncidentEvent[] {
    return this.pending.splice(0, this.pending.length);
  }

  /** Counts a batch of alerts, each delivery once, and records them as one ledger event. */
  recordAlerts(batch: AlertBatch, now: string): AlertOutcome {
    let fresh = [...new Set(batch.deliveryIds)].filter((id) => !this.deliveries.includes(id));
    // A group's members are counted by alert, not only by delivery: a repeat of the whole group
    // (group_interval, repeat_interval) is recognised even past the deliveries remembered.
    // Batches without members (every batch of incidents opened before groups) skip this.
    const unseen = new Set(fresh);
    const joined = this.group && batch.members ? this.group.join(batch.members.filter((m) => unseen.has(m.deliveryId))) : undefined;
    if (joined && batch.members) {
      const members = new Set(batch.members.map((m) => m.deliveryId));
      const counted = new Set(joined.map((m) => m.deliveryId));
      fresh = fresh.filter((id) => !members.has(id) || counted.has(id));
    }
    if (fresh.length === 0) return { counted: 0, alertCount: this.state.alertCount };
    this.deliveries.push(...fresh);
    this.deliveries.splice(0, Math.max(0, this.deliveries.length - REMEMBERED_DELIVERIES));
    const first = this.state.alertCount + 1;
    this.state.alertCount += fresh.length;
    this.state.lastAlertAt = batch.lastReceivedAt;
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
      ...(joined && this.group ? { group: { joined: joined.map((m) => ({ fingerprint: m.fingerprint, startsAt: m.startsAt })), firing: this.group.view.firing, members: this.group.view.memberCount } } : {}),
    });
    this.keepDataCategories(batch.dataCategories, now);
    if (severity !== this.state.severity) {
      this.emit('severity.raised', now, SYSTEM, { from: this.state.severity, to: severity });
      this.state.severity = severity;
      // A raise can call for more (an incident channel): the workflow looks again.
      this.changes += 1;
    }
    this.legal.awareByPolicy(now);
    this.containment.propose(now);
    return { counted: fresh.length, alertCount: this.state.alertCount };
  }

  /** The batch's categories, within the bounds; those left out are counted, and recorded the first time. */
  private keepDataCategories(categories: string[], now: string): void {
    const left = keepDataCategories(this.state.dataCategories, categories, this.policy);
    if (left === 0) return;
    const before = this.state.dataCategoriesNotKept ?? 0;
    this.state.dataCategoriesNotKept = before + left;
    if (before === 0) {
      this.emit('incident.data_categories_not_kept', now, SYSTEM, {
        kept: this.state.dataCategories.length,
        reason: `an incident keeps at most ${MAX_DATA_CATEGORIES} data categories, ${MAX_DATA_CATEGORIES_BYTES} bytes in all (besides those its rules match on): the rest are counted, not kept`,
      });
    }
  }

  /**
   * A source says what it alerted on is over. Recorded; and when the policy allows it, the
   * incident is resolved by the source (a person's resolution is never overridden). One that
   * ended before this run opened (`runOpenedAt`: when its first alert was received) is about
   * an earlier run of the id: recorded as ignored, with the reason. In a group's incident a
   * member's resolution ends that member only (recorded, counted), and the incident is
   * resolved by the source once every member that fired is resolved.
   */
  recordSourceResolution(resolution: SourceResolution, now: string, runOpenedAt: string): boolean {
    if (this.deliveries.includes(resolution.deliveryId)) return false;
    this.deliveries.push(resolution.deliveryId);
    const actor: Actor = { type: 'system', name: resolution.source, via: 'webhook' };
    let ignored = staleResolution(resolution.resolvedAt, runOpenedAt);
    // Resolutions without a member (every one signalled before groups) take the path they always took.
    const ofMember = this.group && resolution.member && !ignored ? this.group.resolve(resolution.member, resolution.resolvedAt) : undefined;
    if (ofMember?.kind === 'repeat') return false;
    if (ofMember?.kind === 'ignored') ignored = ofMember.reason;
    const firing = ofMember?.kind === 'resolved' ? ofMember.firing : undefined;
    this.emit('alert.resolved_by_source', now, actor, {
      ...resolution,
      autoResolve: this.policy.autoResolve,
      ...(firing !== undefined ? { firing, members: this.group!.view.memberCount } : {}),
      ...(ignored ? { ignored } : {}),
    });
    if (this.policy.autoResolve && this.state.status !== 'resolved' && !ignored && (firing === undefined || firing === 0)) {
      this.endPaging();
      this.state.status = 'resolved';
      this.state.resolvedBy = resolution.source;
      this.state.resolvedAt = now;
      this.state.resolveNote = firing === undefined ? `resolved by ${resolution.source}` : `resolved by ${resolution.source}: all ${this.group!.view.memberCount} alerts of the group resolved`;
      this.emit('incident.resolved', now, actor, { auto: true });
    }
    return true;
  }

  /** Bumped by every message that can change what the ladder does next; the workflow waits on it. */
  get revision(): number {
    return this.changes;
  }

  private get trigger(): number {
    return this.state.trigger ?? 1;
  }

  /**
   * What the incident needs next at `now`: the single place where the ladder advances.
   * Timers that are due (escalation, end of a snooze, lapse of an acknowledgement) take
   * effect here, so the workflow and the simulator behave alike.
   */
  step(now: string): LadderStep {
    const t = Date.parse(now);
    const s = this.state;
    if (s.status === 'resolved') return { kind: 'done' };
    if (s.status === 'snoozed') {
      if (t < Date.parse(s.snoozedUntil!)) return { kind: 'wait', until: Date.parse(s.snoozedUntil!) };
      this.retrigger(now, 'the snooze ended', 'same level');
    }
    if (s.status === 'acknowledged') {
      if (s.ackExpiresAt === undefined) return { kind: 'wait' };
      if (t < Date.parse(s.ackExpiresAt)) return { kind: 'wait', until: Date.parse(s.ackExpiresAt) };
      this.retrigger(now, `acknowledged ${this.policy.ackTimeoutMinutes} minutes ago and still not resolved`, 'first level');
    }
    if (s.reassignTo !== undefined) return this.pageReassigned(now);
    if (s.escalationRequested || (s.nextEscalationAt !== undefined && t >= Date.parse(s.nextEscalationAt))) {
      delete s.escalationRequested;
      delete s.nextEscalationAt;
    }
    if (s.nextEscalationAt !== undefined) return { kind: 'wait', until: Date.parse(s.nextEscalationAt) };
    if (s.ladderExhausted) return { kind: 'wait' };
    return this.beginNextLevel(now);
  }

  /**
   * Moves to the next level that pages someone, recording each level skipped (conditions,
   * nobody reachable) and why; when none is left, the ladder is exhausted.
   */
  private beginNextLevel(now: string): LadderStep {
    const s = this.state;
    const levels = this.policy.levels.length;
    const first = s.level === 0 && s.pass === 1;
    for (;;) {
      let level = s.level + 1;
      let pass = s.pass;
      if (level > levels) {
        level = 1;
        pass += 1;
      }
      if (pass > this.policy.repeat + 1) return this.exhaust(now);
      const resolution = resolveLevel(this.policy, level, {
        incidentId: s.incidentId, severity: s.severity, dataCategories: s.dataCategories, pass, trigger: this.trigger, at: Date.parse(now),
      });
      for (const note of resolution.notes) this.emit(note.kind, now, SYSTEM, { ...note.payload, pass });
      s.level = level;
      s.pass = pass;
      const record: LevelRecord = { level, pass, trigger: this.trigger, at: now, paged: resolution.recipients.map((r) => r.name) };
      (s.levels ??= []).push(record);
      if (resolution.skipped) {
        record.skipped = resolution.skipped;
        this.emit('level.skipped', now, SYSTEM, { level, pass, reason: resolution.skipped });
        continue;
      }
      const timeoutMinutes = this.policy.levels[level - 1].timeoutMinutes;
      s.nextEscalationAt = new Date(Date.parse(now) + timeoutMinutes * 60_000).toISOString();
      if (!first) this.emit('incident.escalated', now, SYSTEM, { level, pass });
      // Keys of the first trigger keep the form incidents opened before re-triggers existed use.
      const prefix = this.trigger > 1 ? `t${this.trigger}.` : '';
      const pages = resolution.recipients.map((recipient) => this.plan(recipient, level, pass, `${prefix}${pass}.${level}.${recipient.name}`, now));
      return { kind: 'page', pages, level, pass, within: timeoutMinutes };
    }
  }

  /** Records, once, that the ladder ran out with nobody acknowledging, and pages its `exhausted` targets. */
  private exhaust(now: string): LadderStep {
    const s = this.state;
    if (s.ladderExhausted) return { kind: 'wait' };
    s.ladderExhausted = true;
    s.level = Math.min(s.level, this.policy.levels.length);
    s.pass = Math.min(s.pass, this.policy.repeat + 1);
    this.emit('ladder.exhausted', now, SYSTEM, { passes: s.pass, levels: this.policy.levels.length });
    const recipients = resolveExhausted(this.policy, Date.parse(now), s.severity);
    if (recipients.length === 0) return { kind: 'wait' };
    const pages = recipients.map((r) => this.plan(r, s.level, s.pass, `t${this.trigger}.exhausted.${r.name}`, now));
    return { kind: 'page', pages, level: s.level, pass: s.pass, within: this.policy.levels[s.level - 1].timeoutMinutes };
  }

  /** The page of a reassignment, at the current level, whose time starts again. */
  private pageReassigned(now: string): LadderStep {
    const s = this.state;
    const name = s.reassignTo!;
    delete s.reassignTo;
    const level = Math.max(1, s.level);
    s.level = level;
    const timeoutMinutes = this.policy.levels[level - 1].timeoutMinutes;
    s.nextEscalationAt = new Date(Date.parse(now) + timeoutMinutes * 60_000).toISOString();
        const page = this.plan(asRecipient(this.responderNamed(name), urgencyOf(s.severity)), level, s.pass, `t${this.trigger}.reassign${s.pages.length}.${name}`, now);
    return { kind: 'page', pages: [page], level, pass: s.pass, within: timeoutMinutes };
  }

  private plan(recipient: Recipient, level: number, pass: number, key: string, now: string): PlannedPage {
    const index = this.startPage({
      level, pass, responder: recipient.name, at: now,
      ...(recipient.slackUserId ? { slackUserId: recipient.slackUserId } : {}),
      ...(recipient.slackChannel ? { slackChannel: recipient.slackChannel } : {}),
      ...(recipient.timeZone ? { timeZone: recipient.timeZone } : {}),
      ...(recipient.pagerDutyService ? { pagerDutyService: recipient.pagerDutyService } : {}),
      ...(recipient.email ? { email: recipient.email } : {}),
    });
    return { index, key, recipient };
  }

  /** The ladder starts again: at the level it was at (snooze ended) or from the first (acknowledgement lapsed). */
  private retrigger(now: string, reason: string, from: 'same level' | 'first level'): void {
    const s = this.state;
    const fromStatus = s.status;
    s.status = 'triggered';
    s.trigger = this.trigger + 1;
    delete s.snoozedUntil;
    delete s.ackExpiresAt;
    delete s.acknowledgedBy;
    delete s.acknowledgedAt;
    delete s.nextEscalationAt;
    s.ladderExhausted = false;
    if (from === 'first level') {
      s.level = 0;
      s.pass = 1;
    } else {
      s.level = Math.max(0, s.level - 1);
    }
    this.emit('incident.retriggered', now, SYSTEM, { from: fromStatus, reason, trigger: s.trigger, resumesAt: from });
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

  /** A notification of a page went out on a channel (by the responder's rules). */
  notified(index: number, channel: Channel, now: string): void {
    const page = this.state.pages[index];
    (page.notifications ??= []).push({ channel, at: now });
    this.emit('notification.sent', now, SYSTEM, { responder: page.responder, channel, level: page.level, pass: page.pass });
  }

  /** A channel failed for good (or past its bound): recorded, and the next channel, if any, takes over at once. */
  notificationFailed(index: number, channel: Channel, reason: string, next: Channel | undefined, now: string): void {
    const page = this.state.pages[index];
    (page.notifications ??= []).push({ channel, at: now, failed: reason });
    this.emit('notification.failed', now, SYSTEM, { responder: page.responder, channel, level: page.level, pass: page.pass, reason, failover: next ?? 'none: no channel left' });
  }

  /** Notifications still waiting for their minute when paging stopped: called off, and recorded. */
  notificationsCancelled(pending: Array<{ responder: string; channel: Channel }>, now: string): void {
    if (pending.length) this.emit('notification.cancelled', now, SYSTEM, { status: this.state.status, pending });
  }

  /** Whether the incident should have its own Slack channel now and has none yet (asked once). */
  wantsIncidentChannel(): boolean {
    const s = this.state;
    return s.incidentChannel === undefined && s.status !== 'resolved' && (this.policy.incidentChannelFor ?? []).includes(s.severity);
  }

  /** Marks the channel as being opened, so it is asked for once however the severity moves. */
  openingIncidentChannel(): void {
    this.state.incidentChannel = { id: '', name: '' };
  }

  incidentChannelOpened(channel: { id: string; name: string; ts: string }, now: string): void {
    this.state.incidentChannel = { ...channel };
    this.emit('slack.channel_opened', now, SYSTEM, { channel: channel.id, name: channel.name, severity: this.state.severity });
  }

  incidentChannelFailed(reason: string, now: string): void {
    this.state.incidentChannel = { id: '', name: '', failed: reason };
    this.emit('slack.channel_failed', now, SYSTEM, { reason });
  }

  /** PagerDuty services holding a triggered incident for this one, to keep them in step. */
  pagerDutyServices(): string[] {
    const services = this.state.pages.filter((p) => p.pagerDutyService && p.notifications?.some((n) => n.channel === 'pagerduty' && !n.failed)).map((p) => p.pagerDutyService!);
    return [...new Set(services)];
  }

  /** Who a reference names, or an IncidentRuleError saying why nobody. */
  identify(ref: ResponderRef): Responder {
    // `via` is written to the ledger with the change: only a known channel is.
    if (!(RESPONDER_CHANNELS as readonly unknown[]).includes(ref?.via)) throw new IncidentRuleError(`"${String(ref?.via)}" is not a channel a responder acts through; known: ${RESPONDER_CHANNELS.join(', ')}`);
    const found = ref.responder
      ? this.policy.responders.find((r) => r.name === ref.responder)
      : ref.slackUserId
        ? this.policy.responders.find((r) => r.slackUserId === ref.slackUserId)
        : ref.pagerDutyUserId
          ? this.policy.responders.find((r) => r.pagerDutyUserId === ref.pagerDutyUserId)
          : undefined;
    if (!found) {
      const who =
        ref.responder ?? (ref.slackUserId ? `Slack user ${ref.slackUserId}` : ref.pagerDutyUserId ? `PagerDuty user ${ref.pagerDutyUserId}` : 'an anonymous caller');
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
    this.endPaging();
    this.state.status = 'acknowledged';
    this.state.acknowledgedBy = who.name;
    this.state.acknowledgedAt = now;
    this.state.changedVia = ref.via;
    (this.state.acks ??= []).push({ by: who.name, at: now, via: ref.via });
    const lapse = this.policy.ackTimeoutMinutes;
    if (lapse !== undefined) this.state.ackExpiresAt = new Date(Date.parse(now) + lapse * 60_000).toISOString();
    this.emit('incident.acknowledged', now, { type: 'responder', name: who.name, via: ref.via }, {
      level: this.state.level,
      ...(this.state.ackExpiresAt ? { lapsesAt: this.state.ackExpiresAt } : {}),
    });
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
    this.changes += 1;
    this.state.escalationRequested = true;
    this.emit('incident.escalation_requested', now, { type: 'responder', name: who.name, via: ref.via }, { fromLevel: this.state.level });
    return { incidentId: this.state.incidentId, fromLevel: this.state.level };
  }

  validateResolve(ref: ResponderRef, note?: string): void {
    this.identify(ref);
    if (note !== undefined && typeof note !== 'string') throw new IncidentRuleError('a resolve note is text');
  }

  validateFalsePositive(ref: ResponderRef, reason: string): void {
    this.identify(ref);
    if (this.state.status === 'resolved') throw new IncidentRuleError(`incident ${this.state.incidentId} is already resolved`);
    if (typeof reason !== 'string' || !reason.trim()) throw new IncidentRuleError('marking a false positive needs a reason');
  }

  /** Closes the incident as a false positive: resolved, and its containment rolled back. */
  markFalsePositive(ref: ResponderRef, reason: string, now: string): ResolveResult {
    const who = this.identify(ref);
    this.state.falsePositive = { by: who.name, reason, at: now };
    this.emit('incident.false_positive', now, { type: 'responder', name: who.name, via: ref.via }, { reason });
    return this.resolve(ref, now, `false positive: ${reason}`);
  }

  resolve(ref: ResponderRef, now: string, note?: string): ResolveResult {
    const who = this.identify(ref);
    if (this.state.status === 'resolved') {
      return { incidentId: this.state.incidentId, resolvedBy: this.state.resolvedBy!, resolvedAt: this.state.resolvedAt!, alreadyDone: true };
    }
    this.endPaging();
    this.state.status = 'resolved';
    this.state.resolvedBy = who.name;
    this.state.resolvedAt = now;
    this.state.changedVia = ref.via;
    if (note) this.state.resolveNote = note;
    this.emit('incident.resolved', now, { type: 'responder', name: who.name, via: ref.via }, note ? { note } : {});
    return { incidentId: this.state.incidentId, resolvedBy: who.name, resolvedAt: now, alreadyDone: false };
  }

  validateSnooze(ref: ResponderRef, minutes: number): void {
    this.identify(ref);
    if (this.state.status === 'resolved') throw new IncidentRuleError(`incident ${this.state.incidentId} is resolved: there is nothing to snooze`);
    const max = this.policy.maxSnoozeMinutes ?? MAX_SNOOZE_MINUTES;
    if (!Number.isInteger(minutes) || minutes < 1 || minutes > max) {
      throw new IncidentRuleError(`a snooze lasts 1 to ${max} whole minutes under policy "${this.policy.name}", not ${minutes}`);
    }
  }

  /** Pauses paging for a bounded time; when it ends the current level is paged again. */
  snooze(ref: ResponderRef, minutes: number, now: string): { incidentId: string; snoozedUntil: string } {
    const who = this.identify(ref);
    this.endPaging();
    this.state.status = 'snoozed';
    this.state.changedVia = ref.via;
    this.state.snoozedUntil = new Date(Date.parse(now) + minutes * 60_000).toISOString();
    this.emit('incident.snoozed', now, { type: 'responder', name: who.name, via: ref.via }, { minutes, until: this.state.snoozedUntil, level: this.state.level });
    return { incidentId: this.state.incidentId, snoozedUntil: this.state.snoozedUntil };
  }

  validateReassign(ref: ResponderRef, to: string): void {
    this.identify(ref);
    if (this.state.status === 'resolved') throw new IncidentRuleError(`incident ${this.state.incidentId} is resolved and cannot be reassigned`);
    const target = this.identify({ responder: to, via: ref.via });
    if (asRecipient(target, urgencyOf(this.state.severity)).rules.length === 0) throw new IncidentRuleError(`${to} has no channel Klaxon can page (no Slack user id, PagerDuty service or email)`);
  }

  /** Hands the incident to a person: they are paged at once, and the ladder goes on from them if they do not acknowledge. */
  reassign(ref: ResponderRef, to: string, now: string): { incidentId: string; assignedTo: string } {
    const who = this.identify(ref);
    const from = this.state.assignedTo ?? this.state.acknowledgedBy;
    this.endPaging();
    this.state.status = 'triggered';
    delete this.state.acknowledgedBy;
    delete this.state.acknowledgedAt;
    this.state.assignedTo = to;
    this.state.reassignTo = to;
    this.emit('incident.reassigned', now, { type: 'responder', name: who.name, via: ref.via }, { to, ...(from ? { from } : {}), level: this.state.level });
    return { incidentId: this.state.incidentId, assignedTo: to };
  }

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

  /** Whatever was about to page (escalation, snooze, lapse, reassignment) is called off. */
  private endPaging(): void {
    this.changes += 1;
    for (const key of ['nextEscalationAt', 'escalationRequested', 'snoozedUntil', 'ackExpiresAt', 'reassignTo'] as const) delete this.state[key];
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

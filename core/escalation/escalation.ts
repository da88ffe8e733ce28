// Workflow-safe: workflow code imports this module; keep Node-only modules out (test/workflow/bundle.test.ts).
import { asRecipient, levelNotApplying, resolveExhausted, resolveLevel, targetsSchedule, type LadderContext, type Recipient } from './ladder';
import { urgencyOf, type Channel } from './notification-rules';
import type { EscalationSlice, LadderStep, LevelRecord, NextStep, Page, PlannedPage } from './paging';
import { SYSTEM } from '../incident/actor';
import type { IncidentPartHost } from '../incident/incident-part';
import { IncidentRuleError } from '../incident/incident-rule-error';
import { rosterChange, withLiveRoster, type LiveOverride, type RosterAnswer } from '../oncall/runtime-override';
import type { Policy, Responder, Target } from '../policy/policy';
import { formatInstant } from '../shared/time-format';

/** What escalation reads and writes: its slice, and the acknowledgement a re-trigger undoes. */
type EscalationState = EscalationSlice & { acknowledgedBy?: string; acknowledgedAt?: string };

/**
 * The incident's escalation: the ladder's place and timers (escalation, end of a snooze, lapse
 * of an acknowledgement, a reassignment's page), the levels it reached and why any was
 * skipped, the pages it started and what became of each, and the incident's Slack channel.
 * The ladder's targets come from `./ladder`; its timing is decided here, in `step`.
 */
export class Escalation {
  /** Pages of schedules ask for their run-time overrides first (`roster` steps): see followLiveRoster. */
  private followsLiveRoster = false;
  /** The answer to the last `roster` step, for the step right after it only. */
  private roster?: RosterAnswer;
  /** Where the last `roster` step was asked, for the record of an unreadable roster. */
  private rosterAsked?: { level: number; pass: number };

  constructor(private readonly host: IncidentPartHost<EscalationState>) {}

  /**
   * Pinned policy, live roster: from now on, a page of a level (or of the exhausted targets)
   * that targets a schedule is preceded by a `roster` step. Not kept in the state: the
   * workflow turns it on in each run (behind its patch), the simulator when given overrides.
   */
  followLiveRoster(): void {
    this.followsLiveRoster = true;
  }

  /**
   * The answer to a `roster` step; an unreadable roster is recorded, and the pinned one pages.
   * An override naming someone the pinned policy does not know (a responder added to the policy
   * book after the incident opened) is left out, so it neither pages nor breaks the page, and
   * recorded (`roster.ignored`) when it is in force at the page.
   */
  useRoster(answer: RosterAnswer, now: string): void {
    const asked = this.rosterAsked ?? { level: this.state.level, pass: this.state.pass };
    if ('unavailable' in answer) {
      this.roster = answer;
      this.host.record('roster.unavailable', now, SYSTEM, { ...asked, reason: answer.unavailable });
      return;
    }
    const known = new Set(this.policy.responders.map((r) => r.name));
    const at = Date.parse(now);
    for (const o of answer.overrides) {
      if (known.has(o.responder) || o.policy !== this.policy.name || o.cancelledAt !== undefined) continue;
      if (!this.policy.schedules?.some((s) => s.name === o.schedule) || !(Date.parse(o.from) <= at && at < Date.parse(o.to))) continue;
      const reason = `${o.responder} is not a responder of policy "${this.policy.name}" as this incident pinned it`;
      this.host.record('roster.ignored', now, SYSTEM, { ...asked, schedule: o.schedule, responder: o.responder, override: o.id, reason });
    }
    this.roster = { overrides: answer.overrides.filter((o) => known.has(o.responder)) };
  }

  private get state() {
    return this.host.state;
  }

  private get policy() {
    return this.host.policy;
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
    // A roster answers the step right after its question only: by a later page it may be stale.
    const roster = this.roster;
    this.roster = undefined;
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
    if (this.followsLiveRoster && roster === undefined) {
      const ask = this.scheduleAhead(now);
      if (ask) {
        this.rosterAsked = ask;
        return { kind: 'roster', ...ask };
      }
    }
    return this.beginNextLevel(now, roster && 'overrides' in roster ? roster.overrides : []);
  }

  private context(pass: number, now: string): LadderContext {
    const s = this.state;
    return { incidentId: s.incidentId, severity: s.severity, dataCategories: s.dataCategories, pass, trigger: this.trigger, at: Date.parse(now) };
  }

  /**
   * Where the ladder's next page would read a schedule, walking on as beginNextLevel does
   * without changing anything: the first level that applies and targets a schedule, before
   * any level that pages without one; or the exhausted targets, when the walk runs out.
   */
  private scheduleAhead(now: string): { level: number; pass: number } | undefined {
    const levels = this.policy.levels.length;
    let { level, pass } = this.state;
    for (;;) {
      level += 1;
      if (level > levels) {
        level = 1;
        pass += 1;
      }
      if (pass > this.policy.repeat + 1) {
        return targetsSchedule(this.policy.exhausted ?? []) ? { level: Math.min(this.state.level, levels), pass: Math.min(pass, this.policy.repeat + 1) } : undefined;
      }
      const ctx = this.context(pass, now);
      if (levelNotApplying(this.policy, level, ctx) !== undefined) continue;
      if (targetsSchedule(this.policy.levels[level - 1].targets)) return { level, pass };
      if (!resolveLevel(this.policy, level, ctx).skipped) return undefined;
    }
  }

  /** Records each page that goes to someone because of a run-time override (`roster.applied`). */
  private recordRosterChanges(targets: readonly Target[], overrides: readonly LiveOverride[], paged: readonly Recipient[], level: number, pass: number, now: string): void {
    if (overrides.length === 0) return;
    for (const t of targets) {
      if (typeof t !== 'object' || !('schedule' in t)) continue;
      const change = rosterChange(this.policy, t.schedule, overrides, Date.parse(now));
      if (change && paged.some((r) => r.name === change.responder)) this.host.record('roster.applied', now, SYSTEM, { level, pass, ...change });
    }
  }

  /** Whatever was about to page (escalation, snooze, lapse, reassignment) is called off. */
  stop(): void {
    this.host.changed();
    for (const key of ['nextEscalationAt', 'escalationRequested', 'snoozedUntil', 'ackExpiresAt', 'reassignTo'] as const) delete this.state[key];
  }

  /** The next timed step, if one is set, shown in UTC and in each paged responder's zone. */
  nextStep(): NextStep | undefined {
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

  /**
   * Moves to the next level that pages someone, recording each level skipped (conditions,
   * nobody reachable) and why; when none is left, the ladder is exhausted.
   */
  private beginNextLevel(now: string, overrides: readonly LiveOverride[]): LadderStep {
    const s = this.state;
    const policy: Policy = withLiveRoster(this.policy, overrides);
    const levels = this.policy.levels.length;
    const first = s.level === 0 && s.pass === 1;
    for (;;) {
      let level = s.level + 1;
      let pass = s.pass;
      if (level > levels) {
        level = 1;
        pass += 1;
      }
      if (pass > this.policy.repeat + 1) return this.exhaust(now, policy, overrides);
      const resolution = resolveLevel(policy, level, this.context(pass, now));
      for (const note of resolution.notes) this.host.record(note.kind, now, SYSTEM, { ...note.payload, pass });
      this.recordRosterChanges(policy.levels[level - 1].targets, overrides, resolution.recipients, level, pass, now);
      s.level = level;
      s.pass = pass;
      const record: LevelRecord = { level, pass, trigger: this.trigger, at: now, paged: resolution.recipients.map((r) => r.name) };
      (s.levels ??= []).push(record);
      if (resolution.skipped) {
        record.skipped = resolution.skipped;
        this.host.record('level.skipped', now, SYSTEM, { level, pass, reason: resolution.skipped });
        continue;
      }
      const timeoutMinutes = this.policy.levels[level - 1].timeoutMinutes;
      s.nextEscalationAt = new Date(Date.parse(now) + timeoutMinutes * 60_000).toISOString();
      if (!first) this.host.record('incident.escalated', now, SYSTEM, { level, pass });
      // Keys of the first trigger keep the form incidents opened before re-triggers existed use.
      const prefix = this.trigger > 1 ? `t${this.trigger}.` : '';
      const pages = resolution.recipients.map((recipient) => this.plan(recipient, level, pass, `${prefix}${pass}.${level}.${recipient.name}`, now));
      return { kind: 'page', pages, level, pass, within: timeoutMinutes };
    }
  }

  /** Records, once, that the ladder ran out with nobody acknowledging, and pages its `exhausted` targets. */
  private exhaust(now: string, policy: Policy, overrides: readonly LiveOverride[]): LadderStep {
    const s = this.state;
    if (s.ladderExhausted) return { kind: 'wait' };
    s.ladderExhausted = true;
    s.level = Math.min(s.level, this.policy.levels.length);
    s.pass = Math.min(s.pass, this.policy.repeat + 1);
    this.host.record('ladder.exhausted', now, SYSTEM, { passes: s.pass, levels: this.policy.levels.length });
    const recipients = resolveExhausted(policy, Date.parse(now), s.severity);
    this.recordRosterChanges(this.policy.exhausted ?? [], overrides, recipients, s.level, s.pass, now);
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

  private responderNamed(name: string): Responder {
    const r = this.policy.responders.find((x) => x.name === name);
    if (!r) throw new IncidentRuleError(`policy "${this.policy.name}" names unknown responder "${name}"`);
    return r;
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
    this.host.record('incident.retriggered', now, SYSTEM, { from: fromStatus, reason, trigger: s.trigger, resumesAt: from });
  }

  /**
   * Records a page as it starts, before it is delivered: a responder can only act on a page
   * after it began, so the ledger keeps paged → acknowledged in that order even when the
   * acknowledgement arrives before the delivery is confirmed. Returns the page's index.
   */
  startPage(page: Omit<Page, 'channel' | 'ts'>): number {
    this.host.record('responder.paged', page.at, SYSTEM, { ...page });
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
    this.host.record('page.failed', now, SYSTEM, { level: page.level, pass: page.pass, responder: page.responder, slackUserId: page.slackUserId, reason });
  }

  /** A notification of a page went out on a channel (by the responder's rules). */
  notified(index: number, channel: Channel, now: string): void {
    const page = this.state.pages[index];
    (page.notifications ??= []).push({ channel, at: now });
    this.host.record('notification.sent', now, SYSTEM, { responder: page.responder, channel, level: page.level, pass: page.pass });
  }

  /** A channel failed for good (or past its bound): recorded, and the next channel, if any, takes over at once. */
  notificationFailed(index: number, channel: Channel, reason: string, next: Channel | undefined, now: string): void {
    const page = this.state.pages[index];
    (page.notifications ??= []).push({ channel, at: now, failed: reason });
    this.host.record('notification.failed', now, SYSTEM, { responder: page.responder, channel, level: page.level, pass: page.pass, reason, failover: next ?? 'none: no channel left' });
  }

  /** Notifications still waiting for their minute when paging stopped: called off, and recorded. */
  notificationsCancelled(pending: Array<{ responder: string; channel: Channel }>, now: string): void {
    if (pending.length) this.host.record('notification.cancelled', now, SYSTEM, { status: this.state.status, pending });
  }

  /** PagerDuty services holding a triggered incident for this one, to keep them in step. */
  pagerDutyServices(): string[] {
    const services = this.state.pages.filter((p) => p.pagerDutyService && p.notifications?.some((n) => n.channel === 'pagerduty' && !n.failed)).map((p) => p.pagerDutyService!);
    return [...new Set(services)];
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
    this.host.record('slack.channel_opened', now, SYSTEM, { channel: channel.id, name: channel.name, severity: this.state.severity });
  }

  incidentChannelFailed(reason: string, now: string): void {
    this.state.incidentChannel = { id: '', name: '', failed: reason };
    this.host.record('slack.channel_failed', now, SYSTEM, { reason });
  }
}

// Workflow-safe: workflow code imports this module; keep Node-only modules out (test/workflow/bundle.test.ts).
import { applicableObligations } from './applicability';
import type { Clock } from './clock';
import { SYSTEM } from '../incident/actor';
import { IncidentRuleError } from '../incident/incident-rule-error';
import { actorOf, type IncidentFacts, type IncidentPartHost } from '../incident/incident-part';
import { isRecordableTrigger, obligationById, OBLIGATIONS, RECORDABLE_TRIGGERS, type Obligation, type TriggerKind } from './regimes';
import { isInstantWithOffset } from '../shared/time-format';
import { ART34_EXCEPTIONS, type ClockNotice, type Filing, type FilingRequest, type LegalSlice, type ObligationClock, type ObligationsRequest, type RiskDecision, type RiskDecisionRequest, type TriggerRequest } from './legal-clocks';

/** Clocks whose obligation is still owed, in full or in part. */
const owed = (c: ObligationClock): boolean => c.status === 'open' || c.status === 'overdue' || c.status === 'partial';

/**
 * The incident's legal clocks: the events that start them, the obligations that apply (from
 * the facts, the policy and people's decisions), their deadlines, reminders, filings and
 * follow-ups. Pure state and rules: the workflow computes deadlines by activity (holiday data)
 * and turns the instants returned here into timers.
 */
export class LegalClocksPart {
  /** A trigger set more than this far in the past needs a reason (clock skew and typing time allowed). */
  static readonly BACKDATE_GRACE_MS = 5 * 60_000;

  constructor(private readonly host: IncidentPartHost<LegalSlice>) {}

  private get state(): IncidentFacts & LegalSlice {
    return this.host.state;
  }

  private get clocks(): ObligationClock[] {
    return this.state.clocks ?? [];
  }

  /** Throws unless `at` is a past (or present) instant with an offset; far in the past only with a reason. */
  private checkInstant(what: string, at: string, reason: string | undefined, now: string): void {
    if (!isInstantWithOffset(at)) throw new IncidentRuleError(`"${at}" is not an ISO date-time with an offset`);
    const t = Date.parse(at);
    if (t > Date.parse(now)) throw new IncidentRuleError(`"${what}" cannot be set in the future (${at})`);
    if (t < Date.parse(now) - LegalClocksPart.BACKDATE_GRACE_MS && !reason?.trim()) throw new IncidentRuleError(`"${what}" set in the past (${at}) needs a reason`);
  }

  /** Throws when a trigger cannot be recorded: in the future, backdated without a reason, already recorded, closed. */
  validateTrigger(req: TriggerRequest, now: string): void {
    this.host.identify(req.by);
    if (this.state.status === 'resolved') throw new IncidentRuleError(`incident ${this.state.incidentId} is resolved: its clocks can no longer start`);
    if (req.event === 'high-risk-determined') throw new IncidentRuleError('the high-risk determination is recorded as the Art. 34 risk decision, with its reasons (klaxon clocks risk)');
    // The ledger keeps whatever is recorded for ever: an unknown event is refused, not written.
    if (!isRecordableTrigger(req.event)) throw new IncidentRuleError(`"${String(req.event)}" is not a trigger event; known: ${RECORDABLE_TRIGGERS.join(', ')}`);
    if (req.reason !== undefined && typeof req.reason !== 'string') throw new IncidentRuleError('the reason of a trigger is text');
    this.checkInstant(req.event, req.at ?? now, req.reason, now);
    const earlier = this.state.triggers?.[req.event];
    if (earlier) throw new IncidentRuleError(`"${req.event}" was already recorded at ${earlier.at} by ${earlier.by}`);
  }

  /** Records a trigger; the clocks it starts are computed next (see `toStart`). */
  recordTrigger(req: TriggerRequest, now: string): { incidentId: string; event: TriggerKind; at: string; starts: string[] } {
    const who = this.host.identify(req.by);
    const at = this.setTrigger(req.event, req.at ?? now, now, who.name, req.by.via, req.reason);
    this.host.record('clock.trigger_recorded', now, actorOf(who, req.by), { event: req.event, at, ...(req.reason ? { reason: req.reason } : {}) });
    return { incidentId: this.state.incidentId, event: req.event, at, starts: this.toStart().map((o) => o.id) };
  }

  private setTrigger(event: TriggerKind, at: string, now: string, by: string, via: string | undefined, reason?: string): string {
    const iso = new Date(Date.parse(at)).toISOString();
    (this.state.triggers ??= {})[event] = { at: iso, recordedAt: now, by, ...(via ? { via } : {}), ...(reason ? { reason } : {}) };
    this.host.changed();
    return iso;
  }

  /**
   * Awareness by policy: an incident of the named severities with the named data categories
   * is treated as known to the controller when Klaxon sees it (`regulatory.awareOn`), so the
   * 72 hours start without waiting for a person's triage. Checked whenever the facts grow.
   */
  awareByPolicy(now: string): void {
    const rule = this.host.policy.regulatory?.awareOn;
    const s = this.state;
    if (s.triggers?.aware || s.status === 'resolved') return;
    // A drill's scenario may place awareness in its past (`clock.awareAgo`): the clocks run on
    // the scenario's timeline from there, whatever the policy's rule.
    const drillAware = s.drill?.awareAt;
    if (drillAware) {
      const reason = `drill scenario "${s.drill!.scenario}" places awareness at ${drillAware}`;
      const at = this.setTrigger('aware', drillAware, now, SYSTEM.name, undefined, reason);
      this.host.record('clock.trigger_recorded', now, SYSTEM, { event: 'aware', at, reason });
      return;
    }
    if (!rule) return;
    if (rule.severity && !rule.severity.includes(s.severity)) return;
    if (rule.dataCategories && !rule.dataCategories.some((c) => s.dataCategories.includes(c))) return;
    const reason = `policy "${this.host.policy.name}" treats ${s.severity} incidents with ${s.dataCategories.join(', ') || 'no named'} data as known on detection`;
    const at = this.setTrigger('aware', now, now, SYSTEM.name, undefined, reason);
    this.host.record('clock.trigger_recorded', now, SYSTEM, { event: 'aware', at, reason, byPolicy: true });
  }

  /** The obligations of the incident: those its facts call for, plus those people added, minus those they removed or decided away. */
  obligations(): Obligation[] {
    const s = this.state;
    const regulatory = this.host.policy.regulatory ?? {};
    const changes = new Map((s.obligationChanges ?? []).map((c) => [c.obligation, c.change]));
    const found = applicableObligations({ dataCategories: s.dataCategories, jurisdictions: s.jurisdictions, optIn: regulatory.optIn, processor: regulatory.processor });
    // Art. 34 is owed only for a high risk: a decision that there is none sets it aside (until another decision).
    const notHighRisk = this.decision()?.highRisk === false;
    return OBLIGATIONS.filter(
      (o) => changes.get(o.id) === 'added' || (found.includes(o) && changes.get(o.id) !== 'removed' && !(notHighRisk && o.trigger === 'high-risk-determined')),
    );
  }

  validateObligations(req: ObligationsRequest): void {
    this.host.identify(req.by);
    if (typeof req.reason !== 'string' || !req.reason.trim()) throw new IncidentRuleError('adding or removing an obligation needs a reason (it is the record counsel relies on)');
    const add = req.add ?? [];
    const remove = req.remove ?? [];
    if (add.length + remove.length === 0) throw new IncidentRuleError('name an obligation to add or remove');
    const current = new Set(this.obligations().map((o) => o.id));
    for (const id of [...add, ...remove]) {
      try {
        obligationById(id);
      } catch (err) {
        throw new IncidentRuleError((err as Error).message);
      }
    }
    for (const id of add) if (current.has(id)) throw new IncidentRuleError(`"${id}" already applies to incident ${this.state.incidentId}`);
    for (const id of remove) {
      if (!current.has(id)) throw new IncidentRuleError(`"${id}" does not apply to incident ${this.state.incidentId}: there is nothing to remove`);
      const clock = this.clocks.find((c) => c.obligation === id);
      if (clock?.filing) throw new IncidentRuleError(`"${id}" was already filed (reference ${clock.filing.reference}): a filing cannot be taken back`);
    }
  }

  /** Adds or removes obligations; a removed running clock is withdrawn, an added one starts once its trigger is recorded. */
  changeObligations(req: ObligationsRequest, now: string): { incidentId: string; obligations: string[]; starts: string[] } {
    const who = this.host.identify(req.by);
    const changes = (this.state.obligationChanges ??= []);
    for (const [ids, change] of [[req.add ?? [], 'added'], [req.remove ?? [], 'removed']] as const) {
      for (const obligation of ids) {
        changes.push({ obligation, change, reason: req.reason, by: who.name, at: now });
        const clock = this.clocks.find((c) => c.obligation === obligation);
        if (clock && change === 'removed') {
          clock.status = 'withdrawn';
          clock.withdrawn = { by: who.name, at: now, reason: req.reason };
        }
        // A clock withdrawn earlier runs again from its original trigger: the deadline never moved.
        if (clock && change === 'added' && clock.status === 'withdrawn') {
          clock.status = Date.parse(clock.dueAt) <= Date.parse(now) ? 'overdue' : 'open';
          delete clock.withdrawn;
        }
        this.host.record(`obligation.${change}`, now, actorOf(who, req.by), { obligation, reason: req.reason, ...(clock ? { clockStatus: clock.status } : {}) });
      }
    }
    this.host.changed();
    return { incidentId: this.state.incidentId, obligations: this.obligations().map((o) => o.id), starts: this.toStart().map((o) => o.id) };
  }

  validateRiskDecision(req: RiskDecisionRequest, now: string): void {
    this.host.identify(req.by);
    if (typeof req.highRisk !== 'boolean') throw new IncidentRuleError('the Art. 34 decision is high risk or not: highRisk is true or false');
    if (typeof req.reasons !== 'string' || !req.reasons.trim()) throw new IncidentRuleError('the Art. 34 decision needs its reasons (Art. 33(5) documentation)');
    if (req.exception !== undefined && !Object.hasOwn(ART34_EXCEPTIONS, req.exception)) {
      throw new IncidentRuleError(`"${req.exception}" is not an Art. 34(3) exception; known: ${Object.keys(ART34_EXCEPTIONS).join(', ')}`);
    }
    if (req.exception && !req.highRisk) throw new IncidentRuleError('an Art. 34(3) exception is relied on only for a high-risk breach');
    const at = req.at ?? now;
    this.checkInstant('high-risk-determined', at, req.reasons, now);
    const running = this.clocks.find((c) => c.obligation === 'gdpr-art34');
    if (running && !req.highRisk) {
      throw new IncidentRuleError('the Art. 34 communication clock already runs from an earlier high-risk decision; remove the obligation with a reason instead');
    }
    if (running && this.decision()?.exception === req.exception) throw new IncidentRuleError('the breach was already determined high-risk');
  }

  /** The latest Art. 34 decision, if any. */
  decision(): RiskDecision | undefined {
    return this.state.riskDecisions?.at(-1);
  }

  /**
   * Records the Art. 34 decision. High risk starts the communication clock (from when the risk
   * was determined); an exception under 34(3)(a) or (b) removes the obligation with that
   * exception as the reason; 34(3)(c) keeps it, owed to the public instead of to each person.
   */
  decideRisk(req: RiskDecisionRequest, now: string): { incidentId: string; highRisk: boolean; art34: 'communicate' | 'public-communication' | 'not required'; starts: string[] } {
    const who = this.host.identify(req.by);
    const at = new Date(Date.parse(req.at ?? now)).toISOString();
    const decision: RiskDecision = { highRisk: req.highRisk, ...(req.exception ? { exception: req.exception } : {}), reasons: req.reasons, at, by: who.name, via: req.by.via };
    (this.state.riskDecisions ??= []).push(decision);
    this.host.record('clock.risk_decided', now, actorOf(who, req.by), { highRisk: req.highRisk, exception: req.exception ? ART34_EXCEPTIONS[req.exception] : undefined, reasons: req.reasons, at });
    const exempt = req.exception === 'unintelligible' || req.exception === 'risk-no-longer-likely';
    if (req.highRisk && !this.state.triggers?.['high-risk-determined']) this.setTrigger('high-risk-determined', at, now, who.name, req.by.via, req.reasons);
    // A communication already made stands: an exception found later does not withdraw it.
    const applies = this.obligations().some((o) => o.id === 'gdpr-art34') && !this.clocks.find((c) => c.obligation === 'gdpr-art34')?.filing;
    if (exempt && applies) this.changeObligations({ by: req.by, remove: ['gdpr-art34'], reason: ART34_EXCEPTIONS[req.exception!] }, now);
    // An exception relied on earlier no longer holds: the communication is owed again.
    const removedBefore = this.state.obligationChanges?.filter((c) => c.obligation === 'gdpr-art34').at(-1)?.change === 'removed';
    if (req.highRisk && !exempt && removedBefore) this.changeObligations({ by: req.by, add: ['gdpr-art34'], reason: req.reasons }, now);
    this.host.changed();
    return {
      incidentId: this.state.incidentId,
      highRisk: req.highRisk,
      art34: !req.highRisk || exempt ? 'not required' : req.exception === 'public-communication' ? 'public-communication' : 'communicate',
      starts: this.toStart().map((o) => o.id),
    };
  }

  /** Obligations that apply, whose trigger is recorded and whose clock is not yet computed. */
  toStart(): Array<{ id: string; trigger: TriggerKind }> {
    const started = new Set(this.clocks.map((c) => c.obligation));
    return this.obligations()
      .filter((o) => !started.has(o.id) && this.state.triggers?.[o.trigger] !== undefined)
      .map((o) => ({ id: o.id, trigger: o.trigger }));
  }

  /** The instants of every recorded trigger, as the clock computation takes them. */
  triggerInstants(): Partial<Record<TriggerKind, string>> {
    return Object.fromEntries(Object.entries(this.state.triggers ?? {}).map(([k, v]) => [k, v!.at]));
  }

  started(clocks: Clock[], now: string): void {
    for (const c of clocks) {
      (this.state.clocks ??= []).push({ ...c, status: 'open', fired: [] });
      this.host.record('clock.started', now, SYSTEM, { obligation: c.obligation, trigger: c.trigger, startedAt: c.startedAt, dueAt: c.dueAt, reminders: c.reminders });
    }
  }

  /** Whether an obligation is still owed (the incident stays alive for it, even resolved). */
  anyOwed(): boolean {
    return this.clocks.some(owed);
  }

  /** The deadline an owed clock answers to now: the filing's, or the follow-up's once filed in part. */
  private deadlineOf(c: ObligationClock): string | undefined {
    return c.status === 'partial' ? c.followUpDueAt : c.dueAt;
  }

  /** The nearest deadline among the owed clocks (overdue ones included), if any. */
  nearestDeadline(): string | undefined {
    const open = this.clocks.filter(owed).flatMap((c) => this.deadlineOf(c) ?? []);
    return open.length ? open.reduce((a, b) => (Date.parse(a) <= Date.parse(b) ? a : b)) : undefined;
  }

  /** When the next reminder, deadline or follow-up of an owed clock comes, if any. */
  nextEventAt(): number | undefined {
    const times = this.clocks.flatMap((c) => {
      if (c.status === 'open') return [...c.reminders.filter((r) => !c.fired.includes(r.label)).map((r) => r.at), c.dueAt];
      if (c.status === 'overdue') return c.reminders.filter((r) => !c.fired.includes(r.label)).map((r) => r.at);
      if (c.status === 'partial' && c.followUpDueAt && !c.fired.includes(this.followUpLabel(c))) return [c.followUpDueAt];
      return [];
    });
    const ms = times.map((iso) => Date.parse(iso));
    return ms.length ? Math.min(...ms) : undefined;
  }

  private followUpLabel(c: ObligationClock): string {
    return `follow-up ${(c.followUps?.length ?? 0) + 1}`;
  }

  /** Reminders, deadlines and follow-ups that have come: marked, recorded, and returned to be told. */
  fire(now: string): ClockNotice[] {
    const t = Date.parse(now);
    const notices: ClockNotice[] = [];
    for (const c of this.clocks) {
      const sequence = () => c.fired.length;
      if (c.status === 'open' || c.status === 'overdue') {
        for (const r of c.reminders) {
          if (Date.parse(r.at) > t || c.fired.includes(r.label)) continue;
          c.fired.push(r.label);
          notices.push({ obligation: c.obligation, kind: 'reminder', label: r.label, dueAt: c.dueAt, sequence: sequence() });
          this.host.record('clock.reminder', now, SYSTEM, { obligation: c.obligation, reminder: r.label, dueAt: c.dueAt });
        }
      }
      if (c.status === 'open' && Date.parse(c.dueAt) <= t) {
        c.status = 'overdue';
        c.fired.push('due');
        notices.push({ obligation: c.obligation, kind: 'overdue', label: 'due', dueAt: c.dueAt, sequence: sequence() });
        this.host.record('clock.overdue', now, SYSTEM, { obligation: c.obligation, dueAt: c.dueAt });
      }
      const label = this.followUpLabel(c);
      if (c.status === 'partial' && c.followUpDueAt && Date.parse(c.followUpDueAt) <= t && !c.fired.includes(label)) {
        c.fired.push(label);
        const outstanding = (c.followUps?.at(-1) ?? c.filing)?.outstanding ?? [];
        notices.push({ obligation: c.obligation, kind: 'follow-up', label, dueAt: c.followUpDueAt, sequence: sequence(), outstanding });
        this.host.record('clock.follow_up_overdue', now, SYSTEM, { obligation: c.obligation, dueAt: c.followUpDueAt, outstanding });
      }
    }
    return notices;
  }

  /** Throws when a filing cannot be recorded: no such owed clock, in the future, late without reasons, phases where the law has none. */
  validateFiling(req: FilingRequest, now: string): void {
    this.host.identify(req.by);
    const clock = this.clocks.find((c) => c.obligation === req.obligation);
    if (!clock) throw new IncidentRuleError(`incident ${this.state.incidentId} has no clock for "${req.obligation}"`);
    if (clock.status === 'filed') throw new IncidentRuleError(`"${req.obligation}" was already filed at ${clock.filing!.filedAt} (reference ${clock.filing!.reference})`);
    if (clock.status === 'withdrawn') throw new IncidentRuleError(`"${req.obligation}" was removed from the incident (${clock.withdrawn!.reason}); add it back first`);
    if (typeof req.reference !== 'string' || !req.reference.trim()) throw new IncidentRuleError('a filing needs the reference the recipient gave (or the submission id)');
    for (const [name, list] of [['attachments', req.attachments], ['outstanding', req.outstanding]] as const) {
      if (list !== undefined && !(Array.isArray(list) && list.every((x) => typeof x === 'string' && x.trim()))) throw new IncidentRuleError(`${name} is a list of names`);
    }
    if (req.recipient !== undefined && (typeof req.recipient !== 'string' || !req.recipient.trim())) throw new IncidentRuleError('the recipient of a filing is named');
    const at = req.filedAt ?? now;
    if (!isInstantWithOffset(at)) throw new IncidentRuleError(`"${at}" is not an ISO date-time with an offset`);
    if (Date.parse(at) > Date.parse(now)) throw new IncidentRuleError(`a filing cannot be dated in the future (${at})`);
    const obligation = obligationById(req.obligation);
    if (req.outstanding?.length && !obligation.phases) throw new IncidentRuleError(`"${req.obligation}" cannot be filed in phases: file it complete`);
    const previous = clock.followUps?.at(-1) ?? clock.filing;
    if (previous && Date.parse(at) < Date.parse(previous.filedAt)) throw new IncidentRuleError(`a follow-up cannot predate the filing before it (${previous.filedAt})`);
    if (clock.status !== 'partial' && obligation.lateNeedsReasons && Date.parse(at) > Date.parse(clock.dueAt) && !req.reasonsForDelay?.trim()) {
      throw new IncidentRuleError(`"${req.obligation}" is filed after its deadline (${clock.dueAt}): the reasons for the delay are required`);
    }
  }

  /**
   * Records a filing. The first one meets (or misses) the deadline; with items outstanding the
   * clock stays owed as a follow-up (its deadline computed next, see `followUpsToCompute`).
   * Clocks that run from this filing (NIS2's final report) may start.
   */
  recordFiling(req: FilingRequest, now: string): { incidentId: string; obligation: string; late: boolean; outstanding: string[]; starts: string[] } {
    const who = this.host.identify(req.by);
    const clock = this.clocks.find((c) => c.obligation === req.obligation)!;
    const filedAt = new Date(Date.parse(req.filedAt ?? now)).toISOString();
    const followUp = clock.status === 'partial';
    const late = followUp ? Date.parse(filedAt) > Date.parse(clock.followUpDueAt ?? filedAt) : Date.parse(filedAt) > Date.parse(clock.dueAt);
    const filing: Filing = {
      filedAt, by: who.name, recipient: req.recipient ?? this.recipientOf(req.obligation), reference: req.reference, late,
      ...(req.attachments?.length ? { attachments: req.attachments } : {}),
      ...(req.reasonsForDelay ? { reasonsForDelay: req.reasonsForDelay } : {}),
      ...(req.outstanding?.length ? { outstanding: req.outstanding } : {}),
    };
    if (followUp) (clock.followUps ??= []).push(filing);
    else {
      clock.filing = filing;
      (this.state.triggers ??= {})[`filed:${req.obligation}`] = { at: filedAt, recordedAt: now, by: who.name, via: req.by.via };
    }
    clock.status = req.outstanding?.length ? 'partial' : 'filed';
    delete clock.followUpDueAt;
    this.host.changed();
    this.host.record(followUp ? 'clock.follow_up_filed' : 'clock.filed', now, actorOf(who, req.by), { obligation: req.obligation, ...filing });
    return { incidentId: this.state.incidentId, obligation: req.obligation, late, outstanding: req.outstanding ?? [], starts: this.toStart().map((o) => o.id) };
  }

  /** Who a filing goes to: the regime's recipient, or the public where Art. 34(3)(c) is relied on. */
  private recipientOf(obligation: string): string {
    if (obligation === 'gdpr-art34' && this.decision()?.exception === 'public-communication') return 'the public: a communication as effective as one to each data subject (Art. 34(3)(c))';
    return obligationById(obligation).recipient;
  }

  /** Partial filings whose follow-up deadline is still to compute, with the filing it runs from. */
  followUpsToCompute(): Array<{ obligation: string; filedAt: string }> {
    return this.clocks
      .filter((c) => c.status === 'partial' && !c.followUpDueAt)
      .map((c) => ({ obligation: c.obligation, filedAt: (c.followUps?.at(-1) ?? c.filing)!.filedAt }));
  }

  followUpDue(obligation: string, dueAt: string, now: string): void {
    const clock = this.clocks.find((c) => c.obligation === obligation)!;
    clock.followUpDueAt = dueAt;
    this.host.record('clock.follow_up_due', now, SYSTEM, { obligation, dueAt, outstanding: (clock.followUps?.at(-1) ?? clock.filing)?.outstanding ?? [] });
  }

  /** An overdue clock paged these PagerDuty services. */
  paged(obligation: string, services: string[]): void {
    const clock = this.clocks.find((c) => c.obligation === obligation)!;
    clock.pagedServices = [...new Set([...(clock.pagedServices ?? []), ...services])];
  }

  /** Clocks no longer owed whose overdue pages are still open in PagerDuty. */
  pagesToClose(): Array<{ obligation: string; services: string[] }> {
    return this.clocks.filter((c) => !owed(c) && c.pagedServices?.length && !c.pagesClosed).map((c) => ({ obligation: c.obligation, services: c.pagedServices! }));
  }

  /** The overdue pages were resolved in PagerDuty, or could not be (recorded: someone closes them by hand). */
  pagesClosed(obligation: string, failed: string | undefined, now: string): void {
    const clock = this.clocks.find((c) => c.obligation === obligation)!;
    clock.pagesClosed = true;
    this.host.record('clock.pages_resolved', now, SYSTEM, { obligation, services: clock.pagedServices, ...(failed ? { failed } : {}) });
  }

  /** Who the DPO / legal ladder reached with a notice, and on which channel; failures named. */
  told(notice: ClockNotice, told: Array<{ responder: string; channel: string; failed?: string }>, now: string): void {
    this.host.record('clock.escalated', now, SYSTEM, { obligation: notice.obligation, notice: notice.kind, label: notice.label, sequence: notice.sequence, told });
  }
}

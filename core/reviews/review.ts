// Workflow-safe: workflow code imports this module; keep Node-only modules out (test/workflow/bundle.test.ts).
import type { AuditEventKind, AuditPayload, AuditRecord } from '../audit/events';
import type { DrillFacts } from '../drills/drill';
import type { Actor, ResponderRef } from '../incident/actor';
import { identifyResponder } from '../incident/identify';
import { IncidentRuleError } from '../incident/incident-rule-error';
import type { Policy, Responder } from '../policy/policy';
import type { ReviewRecord } from './review-record';


/**
 * A post-incident review: what an incident taught, owed by one person within some business
 * days of its resolution, and the follow-up actions it gave rise to, tracked until done. Pure:
 * the review workflow (workflows/review.ts) drives it, and every change is an audit event of
 * the `resolution` section (SOC 2 CC7.5, ISO 27001 A.5.27) written to the incident's own chain.
 */

/** The role that may submit any review of the policy's incidents, and owns them when it is held. */
export const INCIDENT_COMMANDER_ROLE = 'incident-commander';

/** Bounds of what people write into a review (also the API's schema, core/reviews/review-input.ts). */
export const REVIEW_LIMITS = { text: 3000, title: 200, items: 20, itemText: 500, actions: 50, dueWithinDays: 366 } as const;

export type ReviewStatus = 'owed' | 'late' | 'submitted' | 'complete';
export const REVIEW_STATUSES: ReviewStatus[] = ['owed', 'late', 'submitted', 'complete'];

/** What the owner writes. */
export interface ReviewFindings {
  summary: string;
  rootCause: string;
  contributingFactors: string[];
  wentWell: string[];
  wentBadly: string[];
}

export interface ReviewAction {
  n: number;
  title: string;
  owner: string;
  dueAt: string;
  status: 'open' | 'done';
  doneAt?: string;
  doneBy?: string;
  /** When it was first found past its due date (recorded, and its owner reminded, once). */
  overdueAt?: string;
}

export interface ReviewState {
  incidentId: string;
  tenant: string;
  title: string;
  policyName: string;
  /** A drill's review (its incident's drill facts): every message it sends is marked as the drill's are. */
  drill?: DrillFacts;
  resolvedAt: string;
  owner: string;
  status: ReviewStatus;
  dueAt: string;
  /** Pre-filled from the incident's record (core/reviews/review-record.ts). */
  record: ReviewRecord;
  findings?: ReviewFindings;
  submittedAt?: string;
  submittedBy?: string;
  actions: ReviewAction[];
  /** When each reminder of a late review is due (computed with the due date); the n-th reaches levels 1..n of the ladder. */
  remindAt: string[];
  /** Reminders sent so far. */
  reminders: number;
  completedAt?: string;
}

export interface SubmitRequest {
  by: ResponderRef;
  findings: ReviewFindings;
}
export interface NewAction {
  title: string;
  owner: string;
  dueAt: string;
}
export interface AddActionRequest extends NewAction {
  by: ResponderRef;
}
export interface UpdateActionRequest extends Partial<NewAction> {
  by: ResponderRef;
  n: number;
}
export interface CompleteActionRequest {
  by: ResponderRef;
  n: number;
}

export type ReviewEvent = { at: string; actor: Actor } & AuditRecord;

const SYSTEM: Actor = { type: 'system', name: 'klaxon' };
const DAY_MS = 24 * 60 * 60_000;

/**
 * The owner: a responder holding the incident-commander role when the policy names one, else
 * whoever acknowledged the incident (first acknowledgement), else whoever resolved it.
 */
export function reviewOwner(policy: Policy, incident: { acks?: Array<{ by: string }>; acknowledgedBy?: string; resolvedBy?: string }): string {
  const commander = policy.responders.find((r) => r.roles?.includes(INCIDENT_COMMANDER_ROLE));
  const known = (name: string | undefined) => (name && policy.responders.some((r) => r.name === name) ? name : undefined);
  return commander?.name ?? known(incident.acks?.[0]?.by) ?? known(incident.acknowledgedBy) ?? known(incident.resolvedBy) ?? policy.responders[0].name;
}

export class Review {
  private readonly events: ReviewEvent[] = [];
  /** Bumped on every change, so the workflow wakes and writes. */
  revision = 0;

  private constructor(
    readonly state: ReviewState,
    readonly policy: Policy,
  ) {}

  static owe(policy: Policy, facts: Omit<ReviewState, 'status' | 'actions' | 'reminders'>, now: string): Review {
    const review = new Review({ ...facts, status: 'owed', actions: [], reminders: 0 }, policy);
    review.record('review.owed', now, SYSTEM, { owner: facts.owner, dueAt: facts.dueAt, resolvedAt: facts.resolvedAt });
    return review;
  }

  static restore(policy: Policy, state: ReviewState): Review {
    return new Review(state, policy);
  }

  takeEvents(): ReviewEvent[] {
    return this.events.splice(0);
  }

  /** A deep copy, so a query's answer cannot be mutated through (structuredClone is not in the workflow sandbox). */
  snapshot(): ReviewState {
    return JSON.parse(JSON.stringify(this.state)) as ReviewState;
  }

  private record<K extends AuditEventKind>(kind: K, at: string, actor: Actor, payload: AuditPayload<K>): void {
    this.events.push({ at, actor, kind, payload } as ReviewEvent);
    this.revision += 1;
  }

  private identify(ref: ResponderRef): { who: Responder; actor: Actor } {
    const who = identifyResponder(this.policy, ref);
    return { who, actor: { type: 'responder', name: who.name, via: ref.via } };
  }

  private isCommander(who: Responder): boolean {
    return who.roles?.includes(INCIDENT_COMMANDER_ROLE) ?? false;
  }

  /**
   * Whether the follow-up actions answer to the review's owner, and a complete review takes no new
   * one: false only for reviews started before those rules (workflows/review.ts, behind a patch),
   * where any responder of the policy added, changed and closed them.
   */
  guardsActions = true;

  /**
   * Who may add or change an action: the review's owner or an incident commander, as for the
   * findings; an action's own owner may also mark it done. Anyone else of the policy closing or
   * re-dating someone's action would make "tracked until done" mean nothing to an auditor.
   */
  private checkMayChangeActions(who: Responder, what: string, action?: ReviewAction): void {
    if (!this.guardsActions || who.name === this.state.owner || this.isCommander(who) || (action && who.name === action.owner)) return;
    throw new IncidentRuleError(
      `${who.name} may not ${what} the review of ${this.state.incidentId}: only its owner (${this.state.owner}) or a responder with the ${INCIDENT_COMMANDER_ROLE} role may${action ? `, or the action's owner (${action.owner}) mark it done` : ''}`,
    );
  }

  // --- the owner's write-up -------------------------------------------------------------

  validateSubmit(req: SubmitRequest): void {
    const { who } = this.identify(req.by);
    if (who.name !== this.state.owner && !this.isCommander(who)) {
      throw new IncidentRuleError(`${who.name} may not submit the review of ${this.state.incidentId}: only its owner (${this.state.owner}) or a responder with the ${INCIDENT_COMMANDER_ROLE} role may`);
    }
    if (!req.findings?.summary?.trim() || !req.findings.rootCause?.trim()) throw new IncidentRuleError('a review needs a summary and a root cause');
  }

  /** Submitting again replaces the findings (each submission is recorded). */
  submit(req: SubmitRequest, now: string): ReviewState {
    this.validateSubmit(req);
    const { actor } = this.identify(req.by);
    this.state.findings = req.findings;
    this.state.submittedAt = now;
    this.state.submittedBy = actor.name;
    if (this.state.status === 'owed' || this.state.status === 'late') this.state.status = 'submitted';
    const late = Date.parse(now) > Date.parse(this.state.dueAt);
    this.record('review.submitted', now, actor, { dueAt: this.state.dueAt, late, summary: req.findings.summary, rootCause: req.findings.rootCause, actions: this.state.actions.length });
    this.completeIfDone(now);
    return this.snapshot();
  }

  // --- follow-up actions ----------------------------------------------------------------

  private checkAction(a: Partial<NewAction>, now: string): void {
    if (a.title !== undefined && !a.title.trim()) throw new IncidentRuleError('an action needs a title');
    if (a.owner !== undefined && !this.policy.responders.some((r) => r.name === a.owner)) {
      throw new IncidentRuleError(`action owner "${a.owner}" is not a responder of policy "${this.policy.name}"`);
    }
    if (a.dueAt !== undefined) {
      const due = Date.parse(a.dueAt);
      if (!Number.isFinite(due)) throw new IncidentRuleError(`due date "${a.dueAt}" is not an instant`);
      if (due <= Date.parse(now)) throw new IncidentRuleError(`due date ${a.dueAt} is in the past`);
      if (due > Date.parse(now) + REVIEW_LIMITS.dueWithinDays * DAY_MS) throw new IncidentRuleError(`due date ${a.dueAt} is more than a year away`);
    }
  }

  private action(n: number): ReviewAction {
    const found = this.state.actions.find((a) => a.n === n);
    if (!found) throw new IncidentRuleError(`the review of ${this.state.incidentId} has no action ${n}`);
    return found;
  }

  validateAddAction(req: AddActionRequest, now: string): void {
    this.checkMayChangeActions(this.identify(req.by).who, 'add an action to');
    // The workflow ends once complete, but an Update can still land while it writes its last events:
    // taken, that action would be open in a review nobody tracks any more.
    if (this.guardsActions && this.done) throw new IncidentRuleError(`the review of ${this.state.incidentId} is complete: it takes no new action`);
    if (!req.title || !req.owner || !req.dueAt) throw new IncidentRuleError('an action needs a title, an owner and a due date');
    if (this.state.actions.length >= REVIEW_LIMITS.actions) throw new IncidentRuleError(`a review holds at most ${REVIEW_LIMITS.actions} actions`);
    this.checkAction(req, now);
  }

  addAction(req: AddActionRequest, now: string): ReviewAction {
    this.validateAddAction(req, now);
    const { actor } = this.identify(req.by);
    const action: ReviewAction = { n: this.state.actions.length + 1, title: req.title, owner: req.owner, dueAt: new Date(req.dueAt).toISOString(), status: 'open' };
    this.state.actions.push(action);
    this.record('review.action_added', now, actor, { n: action.n, title: action.title, owner: action.owner, dueAt: action.dueAt });
    return { ...action };
  }

  validateUpdateAction(req: UpdateActionRequest, now: string): void {
    const { who } = this.identify(req.by);
    const action = this.action(req.n);
    this.checkMayChangeActions(who, `change action ${req.n} of`);
    if (action.status === 'done') throw new IncidentRuleError(`action ${req.n} is done already`);
    if (req.title === undefined && req.owner === undefined && req.dueAt === undefined) throw new IncidentRuleError('nothing to change: give a title, an owner or a due date');
    this.checkAction(req, now);
  }

  updateAction(req: UpdateActionRequest, now: string): ReviewAction {
    this.validateUpdateAction(req, now);
    const { actor } = this.identify(req.by);
    const action = this.action(req.n);
    if (req.title !== undefined) action.title = req.title;
    if (req.owner !== undefined) action.owner = req.owner;
    if (req.dueAt !== undefined) {
      action.dueAt = new Date(req.dueAt).toISOString();
      // A new due date gives the action its own overdue notice again.
      delete action.overdueAt;
    }
    this.record('review.action_updated', now, actor, { n: action.n, ...(req.title !== undefined ? { title: action.title } : {}), ...(req.owner !== undefined ? { owner: action.owner } : {}), ...(req.dueAt !== undefined ? { dueAt: action.dueAt } : {}) });
    return { ...action };
  }

  validateCompleteAction(req: CompleteActionRequest): void {
    const { who } = this.identify(req.by);
    const action = this.action(req.n);
    this.checkMayChangeActions(who, `mark done action ${req.n} of`, action);
    if (action.status === 'done') throw new IncidentRuleError(`action ${req.n} is done already`);
  }

  completeAction(req: CompleteActionRequest, now: string): ReviewAction {
    this.validateCompleteAction(req);
    const { actor } = this.identify(req.by);
    const action = this.action(req.n);
    action.status = 'done';
    action.doneAt = now;
    action.doneBy = actor.name;
    this.record('review.action_done', now, actor, { n: action.n, late: Date.parse(now) > Date.parse(action.dueAt) });
    this.completeIfDone(now);
    return { ...action };
  }

  private completeIfDone(now: string): void {
    if (this.state.status === 'submitted' && this.state.actions.every((a) => a.status === 'done')) {
      this.state.status = 'complete';
      this.state.completedAt = now;
    }
  }

  // --- what time brings -----------------------------------------------------------------

  get done(): boolean {
    return this.state.status === 'complete';
  }

  /** The next reminder's instant while the review is late and the ladder not yet climbed. */
  nextReminderAt(): number | undefined {
    const at = this.state.status === 'late' ? this.state.remindAt[this.state.reminders] : undefined;
    return at ? Date.parse(at) : undefined;
  }

  /** Past its due date and not submitted: late (once). */
  markLateIfDue(now: string): boolean {
    if (this.state.status !== 'owed' || Date.parse(now) < Date.parse(this.state.dueAt)) return false;
    this.state.status = 'late';
    this.revision += 1;
    return true;
  }

  /** A reminder went to levels 1..`level` of the ladder (and the owner), with what each channel answered. */
  reminded(level: number, told: Array<{ responder: string; channel: string; failed?: string }>, now: string): void {
    this.state.reminders += 1;
    this.record('review.reminded', now, SYSTEM, { sequence: this.state.reminders, level, dueAt: this.state.dueAt, told });
  }

  /** Open actions past their due date that have not been found so yet. */
  newlyOverdue(now: string): ReviewAction[] {
    return this.state.actions.filter((a) => a.status === 'open' && !a.overdueAt && Date.parse(a.dueAt) <= Date.parse(now));
  }

  overdue(n: number, told: Array<{ responder: string; channel: string; failed?: string }>, now: string): void {
    const action = this.action(n);
    action.overdueAt = now;
    this.record('review.action_overdue', now, SYSTEM, { n, owner: action.owner, dueAt: action.dueAt, told });
  }

  /** The next instant something is due: the review's due date while owed, its next reminder, an open action's due date. */
  nextDueAt(): number | undefined {
    const times = [
      ...(this.state.status === 'owed' ? [Date.parse(this.state.dueAt)] : []),
      ...(this.nextReminderAt() !== undefined ? [this.nextReminderAt()!] : []),
      ...this.state.actions.filter((a) => a.status === 'open' && !a.overdueAt).map((a) => Date.parse(a.dueAt)),
    ];
    return times.length ? Math.min(...times) : undefined;
  }

  /** The earliest due date of an open action (KlaxonNextDeadline: overdue actions are a visibility query). */
  nearestActionDue(): string | undefined {
    return this.state.actions.filter((a) => a.status === 'open').map((a) => a.dueAt).sort()[0];
  }
}

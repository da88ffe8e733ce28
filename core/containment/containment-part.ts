// Workflow-safe: workflow code imports this module; keep Node-only modules out (test/workflow/bundle.test.ts).
import { SYSTEM } from '../incident/actor';
import { IncidentRuleError } from '../incident/incident-rule-error';
import { actorOf, type IncidentPartHost } from '../incident/incident-part';
import type { Responder } from '../policy/policy';
import { describeSpec, specProblems, type ContainmentAction, type ContainmentDecision, type ContainmentPolicy, type ContainmentRequest, type ContainmentResult, type ContainmentSlice, type ContainmentSpec, type ContainmentStatus } from './containment';

const sameSpec = (a: ContainmentSpec, b: ContainmentSpec): boolean => JSON.stringify(a) === JSON.stringify(b);
/** A failed undo is tried again after this long, until it succeeds or a person takes it over. */
export const UNDO_RETRY_MS = 30 * 60_000;

/**
 * The incident's containment saga: actions proposed by policy or requested by people, the
 * approvals they need (two people; an override only with a reason), the order they run in,
 * and their undoing, in reverse, when the incident ends. Pure state and rules: the workflow
 * runs the actions as activities through the tenant's adapter.
 */
export class ContainmentPart {
  constructor(private readonly host: IncidentPartHost<ContainmentSlice>) {}

  private get actions(): ContainmentAction[] {
    return this.host.state.containment ?? [];
  }

  private get settings(): ContainmentPolicy | undefined {
    return this.host.policy.containment;
  }

  private action(id: string): ContainmentAction {
    const a = this.actions.find((x) => x.id === id);
    if (!a) throw new IncidentRuleError(`incident ${this.host.state.incidentId} has no containment action "${id}"`);
    return a;
  }

  private add(spec: ContainmentSpec, fields: Pick<ContainmentAction, 'mode' | 'status' | 'requestedBy' | 'requestedAt'> & Partial<ContainmentAction>): ContainmentAction {
    const list = (this.host.state.containment ??= []);
    // A drill with a sandbox acts on the sandbox only, never on the scenario's real tenant.
    const own = this.host.state.drill?.sandboxTenant ?? this.host.state.tenant;
    const action: ContainmentAction = { id: `a${list.length + 1}`, spec, tenant: spec.scope === 'global' ? '*' : own, ...fields };
    list.push(action);
    this.host.changed();
    return action;
  }

  /**
   * Actions the policy calls for, given the incident's facts now (at opening, and whenever a
   * later alert raises the severity or adds data categories). Each is proposed once.
   */
  propose(now: string): void {
    const s = this.host.state;
    if (s.status === 'resolved') return;
    for (const rule of this.settings?.rules ?? []) {
      if (rule.when?.severity && !rule.when.severity.includes(s.severity)) continue;
      if (rule.when?.dataCategories && !rule.when.dataCategories.some((c) => s.dataCategories.includes(c))) continue;
      for (const spec of rule.actions) {
        if (this.actions.some((a) => sameSpec(a.spec, spec))) continue;
        const status: ContainmentStatus = rule.mode === 'automatic' ? 'approved' : rule.mode === 'approval' ? 'awaiting-approval' : 'suggested';
        const a = this.add(spec, {
          mode: rule.mode,
          status,
          requestedBy: SYSTEM.name,
          requestedAt: now,
          ...(rule.mode === 'automatic' ? { approvedBy: `policy ${this.host.policy.name}`, approvedAt: now } : {}),
          ...(rule.keepOnResolve ? { keepOnResolve: true } : {}),
        });
        this.host.record('containment.proposed', now, SYSTEM, { action: a.id, spec, tenant: a.tenant, mode: rule.mode, status });
      }
    }
  }

  validateRequest(req: ContainmentRequest): void {
    this.host.identify(req.by);
    if (this.host.state.status === 'resolved') throw new IncidentRuleError(`incident ${this.host.state.incidentId} is resolved: nothing more is contained`);
    if (!req.reason?.trim()) throw new IncidentRuleError('a containment request needs a reason');
    const problems = specProblems(req.spec);
    if (problems.length) throw new IncidentRuleError(problems.join('; '));
    if (req.spec.scope === 'global') throw new IncidentRuleError('a global throttle comes from policy only: a request on one incident touches only its tenant');
    const same = this.actions.find((a) => sameSpec(a.spec, req.spec) && !['rejected', 'undone'].includes(a.status));
    if (same) throw new IncidentRuleError(`the same action is already ${same.id} (${same.status})`);
  }

  /** A responder asks for an action: it waits for a second person's approval. */
  request(req: ContainmentRequest, now: string): ContainmentResult {
    const who = this.host.identify(req.by);
    const a = this.add(req.spec, { mode: 'requested', status: 'awaiting-approval', requestedBy: who.name, requestedAt: now, reason: req.reason });
    this.host.record('containment.requested', now, actorOf(who, req.by), { action: a.id, spec: a.spec, tenant: a.tenant, reason: req.reason });
    return { incidentId: this.host.state.incidentId, actionId: a.id, status: a.status };
  }

  private hasRole(who: Responder, role: string): boolean {
    return who.roles?.includes(role) ?? false;
  }

  private decidable(id: string): ContainmentAction {
    const a = this.action(id);
    if (a.status !== 'awaiting-approval' && a.status !== 'suggested') throw new IncidentRuleError(`${id} is ${a.status}: there is nothing to decide`);
    if (this.host.state.status === 'resolved') throw new IncidentRuleError(`incident ${this.host.state.incidentId} is resolved: nothing more is contained`);
    return a;
  }

  validateApprove(d: ContainmentDecision): void {
    const who = this.host.identify(d.by);
    const a = this.decidable(d.actionId);
    const role = this.settings?.approverRole ?? 'approver';
    if (!this.hasRole(who, role)) throw new IncidentRuleError(`${who.name} does not have the ${role} role and cannot approve containment`);
    if (a.requestedBy === who.name) throw new IncidentRuleError(`${who.name} requested ${a.id}: a second person must approve it (two-person rule)`);
  }

  approve(d: ContainmentDecision, now: string): ContainmentResult {
    const who = this.host.identify(d.by);
    const a = this.action(d.actionId);
    a.status = 'approved';
    a.approvedBy = who.name;
    a.approvedAt = now;
    this.host.changed();
    this.host.record('containment.approved', now, actorOf(who, d.by), { action: a.id, spec: a.spec, requestedBy: a.requestedBy });
    return { incidentId: this.host.state.incidentId, actionId: a.id, status: a.status };
  }

  validateReject(d: ContainmentDecision): void {
    this.validateApprove({ ...d, by: d.by });
    if (!d.reason?.trim()) throw new IncidentRuleError('a rejection needs a reason');
  }

  reject(d: ContainmentDecision, now: string): ContainmentResult {
    const who = this.host.identify(d.by);
    const a = this.action(d.actionId);
    a.status = 'rejected';
    a.rejected = { by: who.name, reason: d.reason!, at: now };
    this.host.record('containment.rejected', now, actorOf(who, d.by), { action: a.id, reason: d.reason });
    return { incidentId: this.host.state.incidentId, actionId: a.id, status: a.status };
  }

  validateOverride(d: ContainmentDecision): void {
    const who = this.host.identify(d.by);
    this.decidable(d.actionId);
    const role = this.settings?.overrideRole ?? 'incident-commander';
    if (!this.hasRole(who, role)) throw new IncidentRuleError(`${who.name} does not have the ${role} role and cannot override the approval`);
    if (!d.reason?.trim()) throw new IncidentRuleError('an emergency override needs a reason');
  }

  /** Runs an action without the second person: allowed to the override role, with a reason, flagged. */
  override(d: ContainmentDecision, now: string): ContainmentResult {
    const who = this.host.identify(d.by);
    const a = this.action(d.actionId);
    a.status = 'approved';
    a.override = { by: who.name, reason: d.reason!, at: now };
    a.approvedBy = who.name;
    a.approvedAt = now;
    this.host.changed();
    this.host.record('containment.overridden', now, actorOf(who, d.by), { action: a.id, spec: a.spec, reason: d.reason, flagged: true });
    return { incidentId: this.host.state.incidentId, actionId: a.id, status: a.status };
  }

  /** Approved actions not yet run, in the order they were proposed. */
  toApply(): ContainmentAction[] {
    return this.host.state.status === 'resolved' ? [] : this.actions.filter((a) => a.status === 'approved');
  }

  /**
   * Whether an approved action is only planned: in a drill, every action but those on its
   * sandbox tenant (a global one included) is recorded as what would be done, and not run.
   */
  isDryRun(a: ContainmentAction): boolean {
    const drill = this.host.state.drill;
    return drill !== undefined && (drill.sandboxTenant === undefined || a.tenant !== drill.sandboxTenant);
  }

  /** A drill's action recorded with its plan instead of being run: no adapter is called, nothing is to undo. */
  dryRun(id: string, now: string): void {
    this.host.changed();
    const a = this.action(id);
    a.status = 'dry-run';
    this.host.record('containment.dry_run', now, SYSTEM, { action: a.id, spec: a.spec, tenant: a.tenant, plan: `would ${describeSpec(a.spec, a.tenant)}` });
  }

  applied(id: string, verified: Record<string, unknown>, now: string): void {
    this.host.changed();
    const a = this.action(id);
    a.status = 'active';
    a.appliedAt = now;
    a.verified = verified;
    delete a.failure;
    this.host.record('containment.applied', now, SYSTEM, { action: a.id, spec: a.spec, tenant: a.tenant, verified });
  }

  /** An action that kept failing: visible in the state, and the workflow pages loudly. */
  applyFailed(id: string, reason: string, now: string): void {
    this.host.changed();
    const a = this.action(id);
    a.status = 'failed';
    a.failure = reason;
    a.failedAt = now;
    this.host.record('containment.failed', now, SYSTEM, { action: a.id, spec: a.spec, tenant: a.tenant, reason });
  }

  /**
   * When the incident has ended: decisions still pending are called off, and actions the
   * policy keeps are marked kept (undone by hand, outside Klaxon).
   */
  settle(now: string): void {
    if (this.host.state.status !== 'resolved') return;
    for (const a of this.actions) {
      if (a.status === 'awaiting-approval' || a.status === 'suggested' || a.status === 'approved') {
        a.status = 'rejected';
        a.rejected = { by: SYSTEM.name, reason: 'the incident ended before it ran', at: now };
        this.host.record('containment.called_off', now, SYSTEM, { action: a.id });
      }
      if (a.status === 'active' && a.keepOnResolve) {
        a.status = 'kept';
        this.host.record('containment.kept', now, SYSTEM, { action: a.id, spec: a.spec, reason: 'policy keeps it after the incident' });
      }
    }
  }

  /** What to undo now the incident has ended, newest first: only what was applied. */
  toUndo(now: string): ContainmentAction[] {
    if (this.host.state.status !== 'resolved') return [];
    return this.actions.filter((a) => this.undoDue(a, now)).reverse();
  }

  /** Actions awaiting approval that approvers have not been told of yet. */
  toAnnounce(): ContainmentAction[] {
    return this.host.state.status === 'resolved' ? [] : this.actions.filter((a) => a.status === 'awaiting-approval' && !a.announced);
  }

  announced(id: string): void {
    this.action(id).announced = true;
  }

  /** Whether anything is to do at `now` (checked first, so a loop with nothing to do awaits nothing). */
  hasWork(now: string): boolean {
    if (this.toAnnounce().length || this.toApply().length || this.alarmsToClose().length) return true;
    if (this.host.state.status !== 'resolved') return false;
    return this.actions.some((a) => ['awaiting-approval', 'suggested', 'approved'].includes(a.status) || (a.status === 'active' && a.keepOnResolve) || this.undoDue(a, now));
  }

  private undoDue(a: ContainmentAction, now: string): boolean {
    return a.status === 'active' || this.retryAt(a) <= Date.parse(now);
  }

  private retryAt(a: ContainmentAction): number {
    return a.status === 'undo-failed' && a.failedAt ? Date.parse(a.failedAt) + UNDO_RETRY_MS : Infinity;
  }

  undone(id: string, verified: Record<string, unknown>, now: string): void {
    this.host.changed();
    const a = this.action(id);
    a.status = 'undone';
    a.undoneAt = now;
    a.verified = verified;
    delete a.failure;
    delete a.failedAt;
    this.host.record('containment.undone', now, SYSTEM, { action: a.id, spec: a.spec, tenant: a.tenant, verified });
  }

  undoFailed(id: string, reason: string, now: string): void {
    this.host.changed();
    const a = this.action(id);
    a.status = 'undo-failed';
    a.failure = reason;
    a.failedAt = now;
    a.undoAttempts = (a.undoAttempts ?? 0) + 1;
    this.host.record('containment.undo_failed', now, SYSTEM, { action: a.id, spec: a.spec, tenant: a.tenant, reason, attempts: a.undoAttempts, retryAt: new Date(this.retryAt(a)).toISOString() });
  }

  /** The failure paged these PagerDuty services (and these could not be paged). */
  alarmed(id: string, services: string[], failures: Array<{ service: string; reason: string }>, now: string): void {
    const a = this.action(id);
    a.pagedServices = [...new Set([...(a.pagedServices ?? []), ...services])];
    delete a.alarmClosed;
    this.host.record('containment.paged', now, SYSTEM, { action: a.id, status: a.status, services, ...(failures.length ? { failures } : {}) });
  }

  /** Alarms whose cause is settled: undone at last, or failed for good with the incident over. */
  alarmsToClose(): ContainmentAction[] {
    const over = this.host.state.status === 'resolved';
    return this.actions.filter((a) => a.pagedServices?.length && !a.alarmClosed && (a.status === 'undone' || a.status === 'active' || (over && a.status === 'failed')));
  }

  alarmClosed(id: string, failed: string | undefined, now: string): void {
    const a = this.action(id);
    a.alarmClosed = true;
    this.host.changed();
    this.host.record('containment.page_resolved', now, SYSTEM, { action: a.id, services: a.pagedServices, ...(failed ? { failed } : {}) });
  }

  /** Whether containment keeps the incident alive: an undo still owed. */
  owesUndo(): boolean {
    return this.host.state.status === 'resolved' && this.actions.some((a) => a.status === 'active' || a.status === 'undo-failed');
  }

  /** When a failed undo is tried again, if one is waiting. */
  nextRetryAt(): number | undefined {
    const times = this.actions.filter((a) => a.status === 'undo-failed').map((a) => this.retryAt(a));
    return times.length ? Math.min(...times) : undefined;
  }
}

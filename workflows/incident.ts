import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  defineUpdate,
  proxyActivities,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { UpdateDefinition } from '@temporalio/common';
import type { LedgerActivities } from '../activities/ledger';
import type { PagerDutyActivities } from '../activities/pagerduty';
import type { SlackActivities } from '../activities/slack';
import type { Alert } from '../core/alerts/alert';
import type { AlertBatch } from '../core/alerts/alert-batch';
import { Incident, type AckResult, type IncidentMemento, type IncidentState, type IncidentStatus, type ResolveResult, type ResponderRef } from '../core/incident/incident';
import { clocksView, type ClocksView } from '../core/regulation/clock-view';
import { checkUpdateText } from '../core/shared/free-text';
import type { ContainmentDecision, ContainmentRequest, ContainmentResult } from '../core/containment/containment';
import type { FilingRequest, ObligationsRequest, RiskDecisionRequest, TriggerRequest } from '../core/regulation/legal-clocks';
import type { TriggerKind } from '../core/regulation/regimes';
import type { Policy } from '../core/policy/policy';
import type { SourceResolution } from '../core/sources/source';
import { withUnredacted, type UnredactedAlert } from '../core/alerts/unredacted-alert';
import { createClockKeeper } from './clocks';
import { createContainmentRunner } from './containment';
import { createNotifier, reasonOf } from './notifications';
import { publishableKeywords, SEARCH_ATTRIBUTES } from './search-attributes';

// ── Messages ────────────────────────────────────────────────────────────────────────────
// Alerts arrive as a Signal carrying a batch: the sender needs only Temporal's durable
// acceptance (signal-with-start is atomic and works while no worker runs), never an answer
// from the workflow; the API coalesces concurrent alerts for one key into one batch.
export const alertsSignal = defineSignal<[AlertBatch]>('alerts');

// A source's own "resolved" is a Signal too: the source only needs it durably taken.
export const sourceResolvedSignal = defineSignal<[SourceResolution]>('sourceResolved');

// Acknowledge and resolve are Updates: the caller (a Slack click, the CLI) must learn whether
// it was accepted and by whom, and a validator rejects strangers before anything is recorded.
export const acknowledgeUpdate = defineUpdate<AckResult, [ResponderRef]>('acknowledge');
export const resolveUpdate = defineUpdate<ResolveResult, [{ by: ResponderRef; note?: string }]>('resolve');
export const escalateUpdate = defineUpdate<{ incidentId: string; fromLevel: number }, [ResponderRef]>('escalate');
export const snoozeUpdate = defineUpdate<{ incidentId: string; snoozedUntil: string }, [{ by: ResponderRef; minutes: number }]>('snooze');
export const reassignUpdate = defineUpdate<{ incidentId: string; assignedTo: string }, [{ by: ResponderRef; to: string }]>('reassign');
// Re-pinning carries the whole policy: the workflow cannot read files, and the caller's copy
// (validated again here) is exactly what the ledger records by hash.
// Recording a trigger is an Update: the caller must learn at once whether it was refused (in
// the future, backdated without a reason, already recorded) and which clocks it starts.
export const triggerUpdate = defineUpdate<{ incidentId: string; event: TriggerKind; at: string; starts: string[] }, [TriggerRequest]>('trigger');
// A filing stops a clock (or, with items outstanding, leaves a follow-up owed); refused (with
// the reason) when late without the reasons for delay.
export const fileUpdate = defineUpdate<{ incidentId: string; obligation: string; late: boolean; outstanding: string[]; starts: string[] }, [FilingRequest]>('file');
// Counsel's decisions are Updates too: refused without a reason, and answered with what now applies.
export const obligationsUpdate = defineUpdate<{ incidentId: string; obligations: string[]; starts: string[] }, [ObligationsRequest]>('obligations');
export const riskDecisionUpdate = defineUpdate<{ incidentId: string; highRisk: boolean; art34: string; starts: string[] }, [RiskDecisionRequest]>('riskDecision');
// Containment decisions are Updates: the requester and the approver must learn at once
// whether the two-person rule or a missing role refused them.
export const requestContainmentUpdate = defineUpdate<ContainmentResult, [ContainmentRequest]>('requestContainment');
export const approveContainmentUpdate = defineUpdate<ContainmentResult, [ContainmentDecision]>('approveContainment');
export const rejectContainmentUpdate = defineUpdate<ContainmentResult, [ContainmentDecision]>('rejectContainment');
export const overrideContainmentUpdate = defineUpdate<ContainmentResult, [ContainmentDecision]>('overrideContainment');
// A false positive resolves the incident and rolls its containment back; the reason is required.
export const falsePositiveUpdate = defineUpdate<ResolveResult, [{ by: ResponderRef; reason: string }]>('falsePositive');
export const repinUpdate = defineUpdate<{ incidentId: string; policy: string; policyHash?: string }, [{ by: ResponderRef; policy: Policy }]>('repin');

export const stateQuery = defineQuery<IncidentState>('state');
// The legal clocks as compliance reads them: every instant in UTC, the authority's zone and the
// reader's (the argument, an IANA zone; UTC when absent).
export const clocksQuery = defineQuery<ClocksView, [string?]>('clocks');
// Whom a reference names among the pinned policy's responders (null: nobody), so readers
// outside Temporal (the slash command) answer only the incident's own responders.
export const responderQuery = defineQuery<string | null, [ResponderRef]>('responder');
// The alerts as sent, kept when the policy says keepUnredactedAlerts: a query of their own, so
// the state (which notifications, the CLI and the REST API read) never carries them.
export const unredactedAlertsQuery = defineQuery<UnredactedAlert[]>('unredactedAlerts');

export interface IncidentInput {
  incidentId: string;
  /** The policy in force when the incident opened, pinned for its whole life. */
  policy: Policy;
  /** The first alert; it also arrives in the first signal's batch, where it is not counted again. */
  alert: Alert;
  /** Set when a previous run continued-as-new: where it stood. */
  resume?: {
    incident: IncidentMemento;
    ledgerIndex: number;
    /** The alerts as sent that the previous run kept (keepUnredactedAlerts). */
    unredacted?: UnredactedAlert[];
  };
}

const { appendLedgerEvents } = proxyActivities<LedgerActivities>({
  startToCloseTimeout: '30 seconds',
  // The ledger may be down for a while: keep trying, nothing may be lost.
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

const channelRetry = { initialInterval: '1 second', maximumInterval: '30 seconds' } as const;
const slack = proxyActivities<SlackActivities>({ startToCloseTimeout: '30 seconds', retry: channelRetry });
const pagerduty = proxyActivities<PagerDutyActivities>({ startToCloseTimeout: '30 seconds', retry: channelRetry });
/** Opening an incident channel is given up (and recorded) after this long; paging never waits for it. */
const slackChannels = proxyActivities<SlackActivities>({ startToCloseTimeout: '30 seconds', scheduleToCloseTimeout: '5 minutes', retry: channelRetry });

const nowIso = (): string => new Date().toISOString();

/** The least time between two ledger writes of one incident (see flushLedger). */
const LEDGER_INTERVAL_MS = 1000;

/**
 * One incident, from first alert to resolution: pages the escalation ladder level by level
 * with durable timers until someone acknowledges, and writes every step to the ledger.
 */
export async function incident(input: IncidentInput): Promise<IncidentState> {
  const info = workflowInfo();
  const incident = input.resume
    ? Incident.restore(input.policy, input.resume.incident)
    : Incident.open(input.incidentId, input.policy, input.alert, nowIso());

  // Ledger writes go out in order, one batch at a time; step keys come from the workflow's
  // own counter, so a retried or replayed write is recognised by the ledger. Writes are paced
  // (at most one per LEDGER_INTERVAL_MS): in an alert storm, events gather and go together,
  // instead of an activity (and its history events) per signal.
  let ledgerIndex = input.resume?.ledgerIndex ?? 0;
  let ledgerQueue: Promise<void> = Promise.resolve();
  let lastLedgerWrite = -Infinity;
  let ledgerWriteQueued = false;
  const flushLedger = (): Promise<void> => {
    if (ledgerWriteQueued) return ledgerQueue;
    ledgerWriteQueued = true;
    ledgerQueue = ledgerQueue.then(async () => {
      const wait = lastLedgerWrite + LEDGER_INTERVAL_MS - Date.now();
      if (wait > 0) await sleep(wait);
      ledgerWriteQueued = false;
      lastLedgerWrite = Date.now();
      // Until core/incident records catalogue kinds (AuditRecord, core/audit/events.ts), its events name theirs as text; the cast goes then.
      const events = incident.takeEvents().map((e) => ({
        ...e,
        incidentId: input.incidentId,
        occurredAt: e.at,
        stepKey: `${info.workflowId}/${info.firstExecutionRunId}/${++ledgerIndex}`,
      })) as Parameters<typeof appendLedgerEvents>[0];
      if (events.length) await appendLedgerEvents(events);
    });
    return ledgerQueue;
  };

  const publishState = (): void => {
    const s = incident.snapshot();
    upsertSearchAttributes([
      { key: SEARCH_ATTRIBUTES.status, value: s.status },
      { key: SEARCH_ATTRIBUTES.severity, value: s.severity },
      { key: SEARCH_ATTRIBUTES.tenant, value: s.tenant },
      { key: SEARCH_ATTRIBUTES.dataCategories, value: publishableKeywords(s.dataCategories) },
      { key: SEARCH_ATTRIBUTES.jurisdictions, value: publishableKeywords(s.jurisdictions) },
    ]);
  };

  // Only in this variable (and its continue-as-new input): encrypted by the payload codec, gone
  // when Temporal's retention removes the closed run. Kept only if the pinned policy says so,
  // whatever a batch carries.
  let unredacted: UnredactedAlert[] = input.resume?.unredacted ?? [];
  setHandler(unredactedAlertsQuery, () => unredacted);
  setHandler(stateQuery, () => incident.snapshot());
  setHandler(clocksQuery, (zone) =>
    clocksView(incident.snapshot(), { obligations: incident.legal.obligations().map((o) => o.id), nearestDeadline: incident.legal.nearestDeadline() }, zone ?? 'UTC'),
  );
  setHandler(responderQuery, (ref) => {
    try {
      return incident.identify(ref).name;
    } catch {
      return null;
    }
  });
  // Notification groups (core/alerts/alert-group.ts) need no patched(): what a group's incident does
  // differently is chosen by data its messages carry (the first alert's `member`, a batch's
  // `members`, a resolution's `member`), which no history recorded before groups holds. Replaying
  // such a history takes the old path in the incident, which emits the same commands; a group
  // never joins an incident opened per alert, since its alerts have a dedup key of their own.
  setHandler(alertsSignal, (batch) => {
    if (batch.unredacted && incident.policy.keepUnredactedAlerts) unredacted = withUnredacted(unredacted, batch.unredacted);
    if (incident.recordAlerts(batch, nowIso()).counted > 0) void flushLedger();
  });
  setHandler(sourceResolvedSignal, (resolution) => {
    // The run opened when the API received its first alert (carried across continue-as-new).
    if (incident.recordSourceResolution(resolution, nowIso(), input.alert.receivedAt)) void flushLedger();
  });
  /** An Update that changes the incident: refused by its check with nothing recorded, or applied and audited. */
  const handleUpdate = <Result, Arg>(update: UpdateDefinition<Result, [Arg]>, check: (arg: Arg) => void, apply: (arg: Arg, now: string) => Result): void => {
    setHandler(
      update,
      (arg: Arg) => {
        const result = apply(arg, nowIso());
        void flushLedger();
        return result;
      },
      // Text first: an argument no record can hold is refused whatever the rules would say.
      {
        validator: (arg: Arg) =>
          rejectAsFailure(() => {
            checkUpdateText(arg);
            check(arg);
          }),
      },
    );
  };
  handleUpdate(acknowledgeUpdate, (ref) => incident.validateAcknowledge(ref), (ref, now) => incident.acknowledge(ref, now));
  handleUpdate(escalateUpdate, (ref) => incident.validateEscalate(ref), (ref, now) => incident.requestEscalation(ref, now));
  handleUpdate(resolveUpdate, ({ by, note }) => incident.validateResolve(by, note), ({ by, note }, now) => incident.resolve(by, now, note));
  handleUpdate(snoozeUpdate, ({ by, minutes }) => incident.validateSnooze(by, minutes), ({ by, minutes }, now) => incident.snooze(by, minutes, now));
  handleUpdate(reassignUpdate, ({ by, to }) => incident.validateReassign(by, to), ({ by, to }, now) => incident.reassign(by, to, now));
  handleUpdate(triggerUpdate, (req) => incident.legal.validateTrigger(req, nowIso()), (req, now) => incident.legal.recordTrigger(req, now));
  handleUpdate(fileUpdate, (req) => incident.legal.validateFiling(req, nowIso()), (req, now) => incident.legal.recordFiling(req, now));
  handleUpdate(obligationsUpdate, (req) => incident.legal.validateObligations(req), (req, now) => incident.legal.changeObligations(req, now));
  handleUpdate(riskDecisionUpdate, (req) => incident.legal.validateRiskDecision(req, nowIso()), (req, now) => incident.legal.decideRisk(req, now));
  const containment = incident.containment;
  handleUpdate(requestContainmentUpdate, (req) => containment.validateRequest(req), (req, now) => containment.request(req, now));
  handleUpdate(approveContainmentUpdate, (d) => containment.validateApprove(d), (d, now) => containment.approve(d, now));
  handleUpdate(rejectContainmentUpdate, (d) => containment.validateReject(d), (d, now) => containment.reject(d, now));
  handleUpdate(overrideContainmentUpdate, (d) => containment.validateOverride(d), (d, now) => containment.override(d, now));
  handleUpdate(falsePositiveUpdate, ({ by, reason }) => incident.validateFalsePositive(by, reason), ({ by, reason }, now) => incident.markFalsePositive(by, reason, now));
  handleUpdate(repinUpdate, ({ by, policy }) => incident.validateRepin(by, policy), ({ by, policy }, now) => incident.repin(by, policy, now));

  publishState();
  // Not awaited: the first page must not wait for the ledger. Ledger writes stay in order
  // (one queue), and the workflow waits for the queue to drain before it completes.
  void flushLedger();

  // A long incident (weeks, or an endless trickle of alerts) hands over to a fresh run when
  // Temporal suggests it, carrying its state (the level's deadline included) and its unwritten audit events.
  const handOverDue = (): boolean => workflowInfo().continueAsNewSuggested;
  const handOver = async (): Promise<never> => {
    // Notifications waiting for their minute live in this run only: let them go out first.
    await condition(() => allHandlersFinished() && !notifier.busy);
    if (channelWork) await channelWork;
    await ledgerQueue;
    return continueAsNew<(input: IncidentInput) => Promise<IncidentState>>({ ...input, policy: incident.policy, resume: { incident: incident.memento(), ledgerIndex, ...(unredacted.length ? { unredacted } : {}) } });
  };

  const notifier = createNotifier(incident, `${info.workflowId}/${info.firstExecutionRunId}`, () => void flushLedger());
  const clocks = createClockKeeper(incident, `${info.workflowId}/${info.firstExecutionRunId}`);
  const contain = createContainmentRunner(incident, `${info.workflowId}/${info.firstExecutionRunId}`);

  // The incident's own Slack channel, when its severity calls for one: opened beside the
  // paging, never before it, and awaited before the incident hands over or completes.
  // Undefined until asked for: awaiting nothing must not add a step to incidents without one.
  let channelWork: Promise<void> | undefined;
  const openIncidentChannel = (): void => {
    incident.openingIncidentChannel();
    const users = incident.policy.responders.flatMap((r) => (r.slackUserId ? [r.slackUserId] : []));
    channelWork = slackChannels
      .openIncidentChannel({ stepKey: `${info.workflowId}/${info.firstExecutionRunId}/channel`, state: incident.snapshot(), users })
      .then(
        (ch) => incident.incidentChannelOpened(ch, nowIso()),
        (err: unknown) => incident.incidentChannelFailed(reasonOf(err), nowIso()),
      )
      .then(() => void flushLedger());
  };

  // Every message of the incident is rewritten once per status it reaches.
  let shown: IncidentStatus = 'triggered';
  let shows = 0;
  const show = async (): Promise<void> => {
    if (incident.status === shown) return;
    shown = incident.status;
    publishState();
    // The change also goes to the thread of the first message (keyed per run and change).
    shows += 1;
    await slack.refreshPages(incident.snapshot(), { stepKey: `${info.workflowId}/${info.runId}/status/${shows}` });
    // PagerDuty follows Klaxon: its incidents are acknowledged or resolved with this one.
    const services = incident.pagerDutyServices();
    // A change that came from PagerDuty is not sent back to it.
    if (services.length && incident.status !== 'triggered' && incident.snapshot().changedVia !== 'pagerduty') {
      await pagerduty.syncPagerDuty({ incidentId: input.incidentId, services, action: incident.status === 'resolved' ? 'resolve' : 'acknowledge' });
    }
  };

  for (;;) {
    const revision = incident.revision;
    const step = incident.step(nowIso());
    if (step.kind === 'done') {
      notifier.stop();
      // A resolved incident stays alive while a legal clock runs (obligations outlive the fix)
      // and while its containment is still to be undone.
      if (!clocks.owesAnything() && !contain.owesUndo() && !contain.hasWork(nowIso())) break;
    }
    if (step.kind === 'page') {
      // Only awaited when there is something to show: the pages' activities are scheduled
      // before the ledger write, in the order incidents opened by earlier versions recorded.
      if (incident.status !== shown) await show();
      await notifier.deliver(step);
      continue;
    }
    if (incident.wantsIncidentChannel()) openIncidentChannel();
    if (clocks.hasWork(Date.now())) await clocks.tend(nowIso);
    if (contain.hasWork(nowIso())) await contain.run(nowIso);
    void flushLedger();
    if (incident.status !== 'triggered') notifier.stop();
    if (incident.status !== shown) await show();
    // Something may have changed while the messages were being rewritten.
    if (incident.revision !== revision) continue;
    // A durable timer (escalation, end of snooze, lapse of an acknowledgement, a legal clock's
    // reminder or deadline, another try at a failed undo): a worker restart neither loses nor
    // repeats it. Any message that changes the incident wakes it early.
    const woken = () => incident.revision !== revision || handOverDue();
    const due = [step.kind === 'wait' ? step.until : undefined, incident.legal.nextEventAt(), contain.nextRetryAt()].filter((t): t is number => t !== undefined);
    const until = due.length ? Math.min(...due) : undefined;
    const changed = until === undefined ? await condition(woken).then(() => true) : await condition(woken, Math.max(0, until - Date.now()));
    if (changed && incident.revision === revision) await handOver();
  }
  if (channelWork) await channelWork;
  await show();
  await condition(allHandlersFinished);
  await flushLedger();
  return incident.snapshot();
}

/** Validators reject by throwing; an ApplicationFailure carries the reason to the caller intact. */
function rejectAsFailure(check: () => void): void {
  try {
    check();
  } catch (err) {
    throw ApplicationFailure.create({ type: 'IncidentRuleError', message: (err as Error).message, nonRetryable: true });
  }
}

import { allHandlersFinished, condition, continueAsNew, patched, proxyActivities, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { createReviewStarter } from './review-start';
import type { Audited } from '../activities/audited';
import type { PagerDutyActivities } from '../activities/pagerduty';
import type { RosterActivities } from '../activities/roster';
import type { SlackActivities } from '../activities/slack';
import type { Alert } from '../core/alerts/alert';
import type { DrillFacts } from '../core/drills/drill';
import { nextInjectAt } from '../core/drills/injects';
import { Incident, type IncidentMemento, type IncidentState, type IncidentStatus } from '../core/incident/incident';
import { REMEMBERED_DELIVERIES, REMEMBERED_DELIVERIES_BEFORE_2026_12 } from '../core/incident/incident-alerts';
import { clocksView } from '../core/regulation/clock-view';
import type { Policy } from '../core/policy/policy';
import type { RosterAnswer } from '../core/oncall/runtime-override';
import { withUnredacted, type UnredactedAlert } from '../core/alerts/unredacted-alert';
import { createClockKeeper } from './clocks';
import { createContainmentRunner } from './containment';
import { registerHandlers } from './messages';
import { createNotifier, reasonOf } from './notifications';
import { createAlarm } from './alarm';
import { carrying, createLedgerWriter } from './ledger-writer';
import { startedWithState, stateAttributes } from './search-attributes';

export interface IncidentInput {
  incidentId: string;
  /** The policy in force when the incident opened, pinned for its whole life. */
  policy: Policy;
  /** The first alert; where signal-with-start opened the incident, it also arrives in the first signal's batch, where it is not counted again. */
  alert: Alert;
  /** Set for a drill (workflows/drill.ts): the incident runs as one, marked and with its injects. */
  drill?: DrillFacts;
  /** Set when a previous run continued-as-new: where it stood. */
  resume?: {
    incident: IncidentMemento;
    ledgerIndex: number;
    /** The alerts as sent that the previous run kept (keepUnredactedAlerts). */
    unredacted?: UnredactedAlert[];
    /** Its post-incident review was started (workflows/review-start.ts). */
    reviewStarted?: boolean;
  };
}

const channelRetry = { initialInterval: '1 second', maximumInterval: '30 seconds' } as const;
const slack = proxyActivities<SlackActivities & { refreshPagesAudited: Audited<SlackActivities['refreshPages']> }>({ startToCloseTimeout: '30 seconds', retry: channelRetry });
const pagerduty = proxyActivities<PagerDutyActivities>({ startToCloseTimeout: '30 seconds', retry: channelRetry });
/** Opening an incident channel is given up (and recorded) after this long; paging never waits for it. */
const slackChannels = proxyActivities<SlackActivities>({ startToCloseTimeout: '30 seconds', scheduleToCloseTimeout: '5 minutes', retry: channelRetry });

// The live roster is a read: a database that does not answer within this bound is not waited for, the pinned roster pages.
const { readLiveRoster } = proxyActivities<RosterActivities>({
  startToCloseTimeout: '10 seconds',
  scheduleToCloseTimeout: '20 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '5 seconds', maximumAttempts: 3 },
});

const nowIso = (): string => new Date().toISOString();

/** The run-time overrides of the policy, or why they could not be read. */
const liveRoster = (policy: string): Promise<RosterAnswer> =>
  readLiveRoster({ policy, at: nowIso() }).then(
    (overrides) => ({ overrides }),
    (err: unknown) => ({ unavailable: reasonOf(err) }),
  );

/**
 * One incident, from first alert to resolution: pages the escalation ladder level by level
 * with durable timers until someone acknowledges, and writes every step to the ledger.
 */
export async function incident(input: IncidentInput): Promise<IncidentState> {
  const info = workflowInfo();
  // The release patch (docs/WORKFLOW-VERSIONING.md): a run under it takes every behaviour the
  // patches before it guard, without a marker for each, and costs fewer Temporal actions: steps
  // carry their audit events, no pacing timer outside alert storms, one timer per instant
  // waited for, state attributes given with the start, the deadline attribute cleared at the end.
  // Runs begun before it replay as they ran.
  const release = patched('2026-12-fewer-actions');
  // Runs begun before the memory of delivery ids grew keep the bound they began with, so their
  // histories replay as they ran (a replay past 1,000 deliveries was counted again then).
  const remembered = release || patched('2026-12-remember-more-deliveries') ? REMEMBERED_DELIVERIES : REMEMBERED_DELIVERIES_BEFORE_2026_12;
  const incident = input.resume
    ? Incident.restore(input.policy, input.resume.incident, remembered)
    : Incident.open(input.incidentId, input.policy, input.alert, nowIso(), remembered, input.drill);
  // Pinned policy, live roster: pages of schedules read the run-time overrides first. Runs begun
  // before it page by the pinned roster, as their histories recorded.
  if (release || patched('2026-12-live-roster')) incident.followLiveRoster();

  const stepKeyBase = `${info.workflowId}/${info.firstExecutionRunId}`;
  const writer = createLedgerWriter(incident, { incidentId: input.incidentId, stepKeyBase, index: input.resume?.ledgerIndex ?? 0, carrying: release });
  // Under the release patch, what changes while the main loop is about to run (or waits) is
  // written by the loop, where the step it takes may carry it; while the loop waits on a long
  // step (a page, a containment action), at once, so the ledger never waits on a channel.
  let loopBusy = false;
  let auditAsked = false;
  const audit = (): void => {
    if (!release || loopBusy) void writer.flush();
    else auditAsked = true;
  };
  const busy = <T>(work: Promise<T>): Promise<T> => {
    if (!release) return work;
    loopBusy = true;
    return work.finally(() => {
      loopBusy = false;
    });
  };

  const publishState = (): void => upsertSearchAttributes(stateAttributes(incident.snapshot()));

  // Only in this variable (and its continue-as-new input): encrypted by the payload codec, gone
  // when Temporal's retention removes the closed run. Kept only if the pinned policy says so,
  // whatever a batch carries.
  let unredacted: UnredactedAlert[] = input.resume?.unredacted ?? [];
  const legal = incident.legal;
  const containment = incident.containment;
  registerHandlers(
    {
      signals: {
        // Notification groups (core/alerts/alert-group.ts) need no patched(): what a group's incident does
        // differently is chosen by data its messages carry (the first alert's `member`, a batch's
        // `members`, a resolution's `member`), which no history recorded before groups holds. Replaying
        // such a history takes the old path in the incident, which emits the same commands; a group
        // never joins an incident opened per alert, since its alerts have a dedup key of their own.
        alerts: (batch) => {
          if (batch.unredacted && incident.policy.keepUnredactedAlerts) unredacted = withUnredacted(unredacted, batch.unredacted);
          // Paced: a storm's counts gather into one write a second.
          if (incident.recordAlerts(batch, nowIso()).counted > 0) void writer.flush({ paced: true });
        },
        sourceResolved: (resolution) => {
          // The run opened when the API received its first alert (carried across continue-as-new).
          if (incident.recordSourceResolution(resolution, nowIso(), input.alert.receivedAt)) audit();
        },
      },
      queries: {
        state: () => incident.snapshot(),
        clocks: (zone) => clocksView(incident.snapshot(), { obligations: legal.obligations().map((o) => o.id), nearestDeadline: legal.nearestDeadline() }, zone ?? 'UTC'),
        responder: (ref) => {
          try {
            return incident.identify(ref).name;
          } catch {
            return null;
          }
        },
        unredactedAlerts: () => unredacted,
      },
      updates: {
        acknowledge: { check: (ref) => incident.validateAcknowledge(ref), apply: (ref, now) => incident.acknowledge(ref, now) },
        escalate: { check: (ref) => incident.validateEscalate(ref), apply: (ref, now) => incident.requestEscalation(ref, now) },
        resolve: { check: ({ by, note }) => incident.validateResolve(by, note), apply: ({ by, note }, now) => incident.resolve(by, now, note) },
        snooze: { check: ({ by, minutes }) => incident.validateSnooze(by, minutes), apply: ({ by, minutes }, now) => incident.snooze(by, minutes, now) },
        reassign: { check: ({ by, to }) => incident.validateReassign(by, to), apply: ({ by, to }, now) => incident.reassign(by, to, now) },
        trigger: { check: (req, now) => legal.validateTrigger(req, now), apply: (req, now) => legal.recordTrigger(req, now) },
        file: { check: (req, now) => legal.validateFiling(req, now), apply: (req, now) => legal.recordFiling(req, now) },
        obligations: { check: (req) => legal.validateObligations(req), apply: (req, now) => legal.changeObligations(req, now) },
        riskDecision: { check: (req, now) => legal.validateRiskDecision(req, now), apply: (req, now) => legal.decideRisk(req, now) },
        requestContainment: { check: (req) => containment.validateRequest(req), apply: (req, now) => containment.request(req, now) },
        approveContainment: { check: (d) => containment.validateApprove(d), apply: (d, now) => containment.approve(d, now) },
        rejectContainment: { check: (d) => containment.validateReject(d), apply: (d, now) => containment.reject(d, now) },
        overrideContainment: { check: (d) => containment.validateOverride(d), apply: (d, now) => containment.override(d, now) },
        falsePositive: { check: ({ by, reason }) => incident.validateFalsePositive(by, reason), apply: ({ by, reason }, now) => incident.markFalsePositive(by, reason, now) },
        repin: { check: ({ by, policy }) => incident.validateRepin(by, policy), apply: ({ by, policy }, now) => incident.repin(by, policy, now) },
      },
    },
    {
      now: nowIso,
      changed: audit,
      refused: (message, reason) => {
        incident.recordRefusedMessage(message, reason, nowIso());
        audit();
      },
    },
  );

  // The API gives the state's attributes with the start (free, where an upsert is an action).
  if (!(release && startedWithState(workflowInfo().typedSearchAttributes, incident.snapshot()))) publishState();
  // Not awaited: the first page must not wait for the ledger. Ledger writes stay in order
  // (one queue), and the workflow waits for the queue to drain before it completes. Under the
  // release patch the first page carries them.
  if (!release) void writer.flush();

  // A long incident (weeks, or an endless trickle of alerts) hands over to a fresh run when
  // Temporal suggests it, carrying its state (the level's deadline included) and its unwritten audit events.
  const handOverDue = (): boolean => workflowInfo().continueAsNewSuggested;
  const handOver = async (): Promise<never> => {
    // Notifications waiting for their minute live in this run only: let them go out first.
    await condition(() => allHandlersFinished() && !notifier.busy);
    if (channelWork) await channelWork;
    if (release) await writer.settle();
    else await writer.queue;
    return continueAsNew<(input: IncidentInput) => Promise<IncidentState>>({
      ...input,
      policy: incident.policy,
      resume: { incident: incident.memento(), ledgerIndex: writer.index, ...(unredacted.length ? { unredacted } : {}), ...(reviews.started ? { reviewStarted: true } : {}) },
    });
  };

  const notifier = createNotifier(incident, stepKeyBase, audit, release ? writer : undefined);
  const clocks = createClockKeeper(incident, stepKeyBase, { release });
  const contain = createContainmentRunner(incident, stepKeyBase, release ? writer : undefined);
  const reviews = createReviewStarter(incident, input.resume?.reviewStarted ?? false, { release });
  const alarm = createAlarm();

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
      .then(audit);
  };

  // Every message of the incident is rewritten once per status it reaches.
  let shown: IncidentStatus = 'triggered';
  let shows = 0;
  const show = async (): Promise<void> => {
    if (incident.status === shown) return;
    shown = incident.status;
    // What PagerDuty is told is the change shown, not what came while the messages were being
    // rewritten (that change is shown next, and told then). Runs begun before the release patch
    // read it after the rewrite, as their histories recorded.
    const change = { status: incident.status, via: incident.snapshot().changedVia };
    publishState();
    // The change also goes to the thread of the first message (keyed per run and change).
    shows += 1;
    const history = { stepKey: `${info.workflowId}/${info.runId}/status/${shows}` };
    if (release) await carrying(writer, () => slack.refreshPages(incident.snapshot(), history), (events) => slack.refreshPagesAudited(events, incident.snapshot(), history));
    else await slack.refreshPages(incident.snapshot(), history);
    // PagerDuty follows Klaxon: its incidents are acknowledged or resolved with this one.
    const services = incident.pagerDutyServices();
    const { status, via } = release ? change : { status: incident.status, via: incident.snapshot().changedVia };
    // A change that came from PagerDuty is not sent back to it.
    if (services.length && status !== 'triggered' && via !== 'pagerduty') {
      await pagerduty.syncPagerDuty({ incidentId: input.incidentId, services, action: status === 'resolved' ? 'resolve' : 'acknowledge' });
    }
  };

  for (;;) {
    // A drill's injects take effect at their time (never anything for a real incident).
    if (incident.recordDueInjects(nowIso())) audit();
    const revision = incident.revision;
    const step = incident.step(nowIso());
    if (step.kind === 'done') {
      notifier.stop();
      // The review is owed from resolution on, not from the end of the run (a legal clock may keep it open for weeks).
      if (reviews.isDue()) await busy(reviews.start());
      // A resolved incident stays alive while a legal clock runs (obligations outlive the fix)
      // and while its containment is still to be undone. Under the release patch its list entry
      // loses the deadline of a clock that was filed.
      if (!clocks.owesAnything() && !contain.owesUndo() && !contain.hasWork(nowIso())) {
        if (release) clocks.publishDeadline();
        break;
      }
    }
    if (step.kind === 'roster') {
      // At most one read per page of a level that targets a schedule (its answer serves that step only).
      incident.useRoster(await busy(liveRoster(incident.policy.name)), nowIso());
      continue;
    }
    if (step.kind === 'page') {
      // Only awaited when there is something to show: the pages' activities are scheduled
      // before the ledger write, in the order incidents opened by earlier versions recorded.
      if (incident.status !== shown) await busy(show());
      await busy(notifier.deliver(step));
      continue;
    }
    if (incident.wantsIncidentChannel()) openIncidentChannel();
    if (clocks.hasWork(Date.now())) await busy(clocks.tend(nowIso));
    if (contain.hasWork(nowIso())) await busy(contain.run(nowIso));
    if (!release) void writer.flush();
    if (incident.status !== 'triggered') notifier.stop();
    if (incident.status !== shown) await busy(show());
    if (release) {
      // What no step carried: the events of this turn, in one write.
      auditAsked = false;
      void writer.flush();
    }
    // Something may have changed while the messages were being rewritten.
    if (incident.revision !== revision) continue;
    // A durable timer (escalation, end of snooze, lapse of an acknowledgement, a legal clock's
    // reminder or deadline, another try at a failed undo): a worker restart neither loses nor
    // repeats it. Any message that changes the incident wakes it early.
    const woken = () => incident.revision !== revision || handOverDue();
    const due = [step.kind === 'wait' ? step.until : undefined, incident.legal.nextEventAt(), contain.nextRetryAt(), nextInjectAt(incident.drill)].filter((t): t is number => t !== undefined);
    const until = due.length ? Math.min(...due) : undefined;
    if (release) {
      // One timer per instant waited for: a change that leaves the next instant where it was
      // (an acknowledgement under a running legal clock) keeps the timer that is running.
      alarm.set(until);
      await condition(() => woken() || auditAsked || alarm.rang);
      // Handing over waits for the notifications under way (minutes, maybe): what changes
      // meanwhile is written at once, as while any other long step.
      if (!alarm.rang && !auditAsked && incident.revision === revision) await busy(handOver());
      continue;
    }
    const changed = until === undefined ? await condition(woken).then(() => true) : await condition(woken, Math.max(0, until - Date.now()));
    if (changed && incident.revision === revision) await handOver();
  }
  if (channelWork) await channelWork;
  await show();
  await condition(allHandlersFinished);
  if (release) await writer.settle();
  else await writer.flush();
  return incident.snapshot();
}

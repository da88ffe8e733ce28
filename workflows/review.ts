import { allHandlersFinished, condition, continueAsNew, patched, proxyActivities, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { UpdateDefinition } from '@temporalio/common';
import type { EmailActivities } from '../activities/email';
import type { LedgerActivities } from '../activities/ledger';
import type { ReviewActivities } from '../activities/reviews';
import type { SlackActivities } from '../activities/slack';
import type { IncidentState } from '../core/incident/state';
import { IncidentRuleError } from '../core/incident/incident-rule-error';
import type { Policy } from '../core/policy/policy';
import { Review, reviewOwner, type ReviewState } from '../core/reviews/review';
import { reviewAudience } from '../core/reviews/review-audience';
import type { ReviewNotice } from '../core/reviews/review-messages';
import { checkUpdateText } from '../core/shared/free-text';
import { reasonOf } from './channel-activities';
import { rejectAsFailure } from './messages';
import { reviewMessages } from './review-messages';
import { SEARCH_ATTRIBUTES } from './search-attributes';

export interface ReviewInput {
  incidentId: string;
  /** The policy the incident ended under: owner, responders and ladder. */
  policy: Policy;
  /** The incident's state when it was resolved: the record the review is pre-filled from. */
  incident: IncidentState;
  /** Set when a previous run continued-as-new. */
  resume?: { review: ReviewState; ledgerIndex: number };
}

const retry = { initialInterval: '1 second', maximumInterval: '1 minute' } as const;
const { prepareReview } = proxyActivities<ReviewActivities>({ startToCloseTimeout: '30 seconds', retry });
const { appendLedgerEvents } = proxyActivities<LedgerActivities>({ startToCloseTimeout: '30 seconds', retry });
// A reminder is given up (and recorded as failed) after a while: the next one must not wait behind it.
const channels = proxyActivities<SlackActivities & EmailActivities>({ startToCloseTimeout: '30 seconds', scheduleToCloseTimeout: '5 minutes', retry });

const nowIso = (): string => new Date().toISOString();

/**
 * The post-incident review of one resolved incident (id `review-<incidentId>`), started by the
 * incident workflow as an abandoned child. It owes the review from its due date on, reminds up
 * the incident's ladder one step at a time when it is late, tracks follow-up actions (an overdue
 * one reminds its owner and is recorded once), and ends when the review is submitted and every
 * action done. Every change goes to the incident's own ledger chain, in order.
 */
export async function review(input: ReviewInput): Promise<ReviewState> {
  const info = workflowInfo();
  const key = `${info.workflowId}/${info.firstExecutionRunId}`;
  let r: Review;
  if (input.resume) r = Review.restore(input.policy, input.resume.review);
  else {
    const s = input.incident;
    const owner = reviewOwner(input.policy, s);
    const prepared = await prepareReview({ incident: s, policy: input.policy, owner });
    r = Review.owe(
      input.policy,
      { incidentId: input.incidentId, tenant: s.tenant, title: s.title, policyName: s.policyName, ...(s.drill ? { drill: s.drill } : {}), resolvedAt: s.resolvedAt ?? nowIso(), owner, dueAt: prepared.dueAt, remindAt: prepared.remindAt, record: prepared.record },
      nowIso(),
    );
  }

  // Reviews recorded before actions answered to the review's owner replay with the old rule (core/reviews/review.ts).
  r.guardsActions = patched('2026-12-review-action-rights');

  let ledgerIndex = input.resume?.ledgerIndex ?? 0;
  let ledger: Promise<void> = Promise.resolve();
  const flush = (): Promise<void> => {
    const events = r.takeEvents().map((e) => ({ ...e, incidentId: input.incidentId, occurredAt: e.at, stepKey: `${key}/${++ledgerIndex}` }));
    if (events.length) ledger = ledger.then(() => appendLedgerEvents(events));
    return ledger;
  };

  // Each Update as the incident's are (workflows/messages.ts): its text checked first, then the review's rules; refused with the reason, nothing recorded.
  const on = <A, R>(def: UpdateDefinition<R, [A]>, check: (arg: A, now: string) => void, apply: (arg: A, now: string) => R): void =>
    setHandler(
      def,
      (arg: A) => {
        const result = rejectAsFailure(() => apply(arg, nowIso()), (err) => err instanceof IncidentRuleError);
        void flush();
        return result;
      },
      {
        validator: (arg: A) =>
          rejectAsFailure(() => {
            checkUpdateText(arg);
            check(arg, nowIso());
          }),
      },
    );
  on(reviewMessages.submit, (a) => r.validateSubmit(a), (a, now) => r.submit(a, now));
  on(reviewMessages.addAction, (a, now) => r.validateAddAction(a, now), (a, now) => r.addAction(a, now));
  on(reviewMessages.updateAction, (a, now) => r.validateUpdateAction(a, now), (a, now) => r.updateAction(a, now));
  on(reviewMessages.completeAction, (a) => r.validateCompleteAction(a), (a, now) => r.completeAction(a, now));
  setHandler(reviewMessages.review, () => r.snapshot());

  // Visibility: `klaxon reviews` and the gauges ask Temporal which reviews are owed, late or have an overdue action.
  let shown: string | undefined;
  const publish = (): void => {
    const nearest = r.nearestActionDue();
    const now = `${r.state.status}/${nearest}`;
    if (now === shown) return;
    shown = now;
    upsertSearchAttributes([
      { key: SEARCH_ATTRIBUTES.status, value: r.state.status },
      { key: SEARCH_ATTRIBUTES.tenant, value: r.state.tenant },
      { key: SEARCH_ATTRIBUTES.nextDeadline, value: nearest ? new Date(nearest) : null },
    ]);
  };

  /** Slack in the policy's incidents channel mentioning everyone reached, and an e-mail to each who has an address; what each answered. */
  const tell = async (notice: ReviewNotice, people: Policy['responders'], stepKey: string) => {
    const state = r.snapshot();
    const mentioned = people.filter((p) => p.slackUserId);
    const emailed = people.filter((p) => p.email);
    const sends = [
      ...(mentioned.length
        ? [{ who: mentioned.map((p) => p.name), channel: 'slack', send: () => channels.postReviewNotice({ stepKey: `${stepKey}/slack`, review: state, notice, mention: mentioned.map((p) => p.slackUserId!), ...(input.policy.slackChannel ? { channel: input.policy.slackChannel } : {}) }) }]
        : []),
      ...emailed.map((p) => ({ who: [p.name], channel: 'email', send: () => channels.sendReviewEmail({ stepKey: `${stepKey}/email/${p.name}`, review: state, notice, to: p.email! }) })),
    ];
    const outcomes = await Promise.allSettled(sends.map((s) => s.send()));
    return sends.flatMap((s, i) => {
      const o = outcomes[i];
      return s.who.map((responder) => ({ responder, channel: s.channel, ...(o.status === 'rejected' ? { failed: reasonOf(o.reason) } : {}) }));
    });
  };

  for (;;) {
    // Taken before anything is awaited: a change that comes meanwhile (an Update while the ledger
    // is written) wakes the next wait at once, to be published.
    const revision = r.revision;
    publish();
    await flush();
    if (r.done) break;
    if (r.markLateIfDue(nowIso())) publish();
    const reminderAt = r.nextReminderAt();
    if (reminderAt !== undefined && reminderAt <= Date.now()) {
      const level = Math.min(r.state.reminders + 1, input.policy.levels.length);
      const people = reviewAudience(input.policy, r.state.owner, level, Date.now());
      r.reminded(level, await tell({ kind: 'late', sequence: r.state.reminders + 1 }, people, `${key}/reminder/${r.state.reminders + 1}`), nowIso());
      continue;
    }
    const overdue = r.newlyOverdue(nowIso())[0];
    if (overdue) {
      const owner = input.policy.responders.filter((p) => p.name === overdue.owner);
      r.overdue(overdue.n, await tell({ kind: 'action-overdue', action: { ...overdue } }, owner, `${key}/action/${overdue.n}/${overdue.dueAt}`), nowIso());
      continue;
    }
    if (workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      await flush();
      return await continueAsNew<typeof review>({ ...input, resume: { review: r.snapshot(), ledgerIndex } });
    }
    // A durable timer to the next due date or reminder; any Update wakes it early.
    const next = r.nextDueAt();
    const woken = () => r.revision !== revision || workflowInfo().continueAsNewSuggested;
    if (next === undefined) await condition(woken);
    else await condition(woken, Math.max(1, next - Date.now()));
  }
  await condition(allHandlersFinished);
  await flush();
  return r.snapshot();
}

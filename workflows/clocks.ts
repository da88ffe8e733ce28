import { proxyActivities, upsertSearchAttributes } from '@temporalio/workflow';
import type { ClockActivities } from '../activities/clocks';
import type { EmailActivities } from '../activities/email';
import type { PagerDutyActivities } from '../activities/pagerduty';
import type { SlackActivities } from '../activities/slack';
import type { Incident } from '../core/incident/incident';
import { clockAlarm, clockAlarmKey } from '../core/escalation/alarms';
import type { ClockNotice } from '../core/regulation/legal-clocks';
import { clockAudience } from '../core/regulation/regulatory-ladder';
import { reasonOf } from './notifications';
import { SEARCH_ATTRIBUTES } from './search-attributes';

const retry = { initialInterval: '1 second', maximumInterval: '1 minute' } as const;
const { computeClocks, computeFollowUp } = proxyActivities<ClockActivities>({ startToCloseTimeout: '30 seconds', retry });
const { postClockNotice } = proxyActivities<SlackActivities>({ startToCloseTimeout: '30 seconds', retry });
// Email and PagerDuty for the DPO / legal ladder are given up after a while and recorded: the
// Slack notice has gone out already, and a clock's next notice must not wait behind them.
const ladder = proxyActivities<EmailActivities & PagerDutyActivities>({ startToCloseTimeout: '30 seconds', scheduleToCloseTimeout: '5 minutes', retry });

/**
 * The incident's legal clocks, tended from its main loop: clocks whose trigger was recorded
 * are computed (by an activity: holiday data must not live in workflow code), and reminders,
 * deadlines and owed follow-ups that have come are told to the DPO and legal: in Slack, and,
 * when the policy has a regulatory ladder, by email to its rungs and by PagerDuty when overdue.
 */
export function createClockKeeper(incident: Incident, stepKeyBase: string) {
  const legal = incident.legal;
  const withinHours = () => incident.policy.regulatory?.withinHours;
  /** The deadline last written to the KlaxonNextDeadline search attribute. */
  let published = legal.nearestDeadline();

  /** Email (and, overdue, PagerDuty) to the rungs the notice reaches; each outcome recorded. */
  const climb = async (notice: ClockNotice, stepKey: string, now: () => string): Promise<void> => {
    const audience = clockAudience(incident.policy, notice);
    const state = incident.snapshot();
    const sends = audience.responders.flatMap((r) => [
      ...(r.email ? [{ responder: r.name, channel: 'email', send: () => ladder.sendClockEmail({ stepKey: `${stepKey}/email/${r.name}`, state, notice, to: r.email!, responder: r.name }) }] : []),
      ...(audience.loud && r.pagerDutyService
        ? [{ responder: r.name, channel: 'pagerduty', service: r.pagerDutyService, send: () => ladder.triggerAlarm({ incidentId: state.incidentId, tenant: state.tenant, service: r.pagerDutyService!, alarm: clockAlarm(state, notice) }) }]
        : []),
    ]);
    const outcomes = await Promise.allSettled(sends.map((s) => s.send()));
    const told = sends.map((s, i) => {
      const outcome = outcomes[i];
      return { responder: s.responder, channel: s.channel, ...(outcome.status === 'rejected' ? { failed: reasonOf(outcome.reason) } : {}) };
    });
    legal.told(notice, told, now());
    const paged = sends.filter((s, i) => s.channel === 'pagerduty' && outcomes[i].status === 'fulfilled').map((s) => s.service!);
    if (paged.length) legal.paged(notice.obligation, paged);
  };

  return {
    /** Whether a clock still keeps the incident alive: owed, about to start, or its overdue pages still open. */
    owesAnything(): boolean {
      return legal.anyOwed() || legal.toStart().length > 0 || legal.pagesToClose().length > 0;
    },

    /** Whether anything is to do at `now`; checked first so a loop with nothing to do awaits nothing. */
    hasWork(now: number): boolean {
      return (
        legal.toStart().length > 0 ||
        legal.followUpsToCompute().length > 0 ||
        legal.pagesToClose().length > 0 ||
        (legal.nextEventAt() ?? Infinity) <= now ||
        legal.nearestDeadline() !== published
      );
    },

    async tend(now: () => string): Promise<void> {
      const toStart = legal.toStart();
      if (toStart.length) {
        const clocks = await computeClocks({ obligations: toStart.map((o) => o.id), triggers: legal.triggerInstants(), reminders: incident.policy.regulatory?.reminders, withinHours: withinHours() });
        legal.started(clocks, now());
      }
      for (const { obligation, filedAt } of legal.followUpsToCompute()) {
        legal.followUpDue(obligation, await computeFollowUp({ obligation, filedAt, withinHours: withinHours()?.['follow-up'] }), now());
      }
      const policy = incident.policy;
      for (const notice of legal.fire(now())) {
        const stepKey = `${stepKeyBase}/clock/${notice.obligation}/${notice.label}`;
        const mention = clockAudience(policy, notice).responders.flatMap((r) => (r.slackUserId ? [r.slackUserId] : []));
        await postClockNotice({ stepKey, state: incident.snapshot(), notice, mention, ...(policy.slackChannel ? { channel: policy.slackChannel } : {}) });
        if (policy.regulatory?.ladder?.length) await climb(notice, stepKey, now);
      }
      for (const { obligation, services } of legal.pagesToClose()) {
        const closed = await ladder.resolveAlarm({ dedupKey: clockAlarmKey(incident.snapshot().incidentId, obligation), services }).then(
          () => undefined,
          (err: unknown) => reasonOf(err),
        );
        legal.pagesClosed(obligation, closed, now());
      }
      // Visibility follows: `klaxon incidents list --deadline-within 24h` asks Temporal, not the incidents.
      const nearest = legal.nearestDeadline();
      if (nearest !== published) {
        published = nearest;
        upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.nextDeadline, value: nearest ? new Date(nearest) : null }]);
      }
    },
  };
}

import { ApplicationFailure, proxyActivities, upsertSearchAttributes } from '@temporalio/workflow';
import type { ClockActivities } from '../activities/clocks';
import { addressOn, channelsWith } from '../core/channels/channels';
import type { Incident } from '../core/incident/incident';
import { clockAlarm, clockAlarmKey } from '../core/escalation/alarms';
import { ClockError, computeElapsedClocks, type Clock } from '../core/regulation/clock';
import type { ClockNotice } from '../core/regulation/legal-clocks';
import { obligationById } from '../core/regulation/regimes';
import { clockAudience } from '../core/regulation/regulatory-ladder';
import { injectedFailure } from '../core/drills/injects';
import { channelActivities, closeAlarm, reasonOf } from './channel-activities';
import { SEARCH_ATTRIBUTES } from './search-attributes';

const retry = { initialInterval: '1 second', maximumInterval: '1 minute' } as const;
const { computeClocks, computeFollowUp } = proxyActivities<ClockActivities>({ startToCloseTimeout: '30 seconds', retry });
const announce = channelActivities({ startToCloseTimeout: '30 seconds', retry });
// Notices to the DPO / legal ladder (email) and alarms (PagerDuty) are given up after a while and
// recorded: the notice to the incidents room has gone out already, and a clock's next notice
// must not wait behind them.
const ladder = channelActivities({ startToCloseTimeout: '30 seconds', scheduleToCloseTimeout: '5 minutes', retry });

/**
 * Clocks whose rules all run in elapsed hours, computed here (an activity less); undefined when
 * one needs a calendar. A rule that cannot be computed fails the run as the activity's refusal would.
 */
function elapsedClocks(input: Parameters<ClockActivities['computeClocks']>[0]): Clock[] | undefined {
  try {
    return computeElapsedClocks(input.obligations.map(obligationById), input.triggers, { reminders: input.reminders, withinHours: input.withinHours });
  } catch (err) {
    if (err instanceof ClockError || err instanceof RangeError) throw ApplicationFailure.nonRetryable(err.message, 'ClockError');
    throw err;
  }
}

/**
 * The incident's legal clocks, tended from its main loop: clocks whose trigger was recorded
 * are computed (by an activity: holiday data must not live in workflow code; under the release
 * patch, clocks in elapsed hours by the workflow itself, see `elapsedClocks`), and reminders,
 * deadlines and owed follow-ups that have come are told to the DPO and legal: in Slack, and,
 * when the policy has a regulatory ladder, by email to its rungs and by PagerDuty when overdue.
 */
export function createClockKeeper(incident: Incident, stepKeyBase: string, o: { release: boolean }) {
  const legal = incident.legal;
  const withinHours = () => incident.policy.regulatory?.withinHours;
  /** The deadline last written to the KlaxonNextDeadline search attribute. */
  let published = legal.nearestDeadline();

  /** Visibility follows: `klaxon incidents list --deadline-within 24h` asks Temporal, not the incidents. */
  const publishDeadline = (): void => {
    const nearest = legal.nearestDeadline();
    if (nearest === published) return;
    published = nearest;
    upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.nextDeadline, value: nearest ? new Date(nearest) : null }]);
  };

  /**
   * The notice to each rung it reaches, on every channel that tells a person of a clock (email),
   * and, overdue, an alarm on every alarm channel (PagerDuty); each outcome recorded.
   */
  const climb = async (notice: ClockNotice, stepKey: string, now: () => string): Promise<void> => {
    const audience = clockAudience(incident.policy, notice);
    const state = incident.snapshot();
    // A drill's inject (channel down, responder silent) fails a rung's notice unsent, told like any failure.
    const unless = (channel: string, responder: string, send: () => Promise<unknown>) => () => {
      const injected = injectedFailure(incident.drill, channel, responder, Date.now());
      return injected ? Promise.reject(new Error(injected)) : send();
    };
    const sends = audience.responders.flatMap((r) => [
      ...channelsWith('clockNotice').flatMap((c) => {
        const address = addressOn(c, r);
        if (!address) return [];
        const request = { stepKey: `${stepKey}/${c.id}/${r.name}`, state, notice, address, responder: r.name };
        return [{ responder: r.name, channel: c.id, send: unless(c.id, r.name, () => ladder[c.clockNotice.activity](c.clockNotice.input(request))) }];
      }),
      ...(audience.loud ? channelsWith('alarm') : []).flatMap((c) => {
        const address = addressOn(c, r);
        if (!address) return [];
        const raise = () => ladder[c.alarm.raise.activity](c.alarm.raise.input({ incidentId: state.incidentId, tenant: state.tenant, address, alarm: clockAlarm(state, notice) }));
        return [{ responder: r.name, channel: c.id, alarmed: address, send: unless(c.id, r.name, raise) }];
      }),
    ]);
    const outcomes = await Promise.allSettled(sends.map((s) => s.send()));
    const told = sends.map((s, i) => {
      const outcome = outcomes[i];
      return { responder: s.responder, channel: s.channel, ...(outcome.status === 'rejected' ? { failed: reasonOf(outcome.reason) } : {}) };
    });
    legal.told(notice, told, now());
    const paged = sends.flatMap((s, i) => ('alarmed' in s && outcomes[i].status === 'fulfilled' ? [s.alarmed] : []));
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
        const input = { obligations: toStart.map((ob) => ob.id), triggers: legal.triggerInstants(), reminders: incident.policy.regulatory?.reminders, withinHours: withinHours() };
        const clocks = (o.release ? elapsedClocks(input) : undefined) ?? (await computeClocks(input));
        legal.started(clocks, now());
      }
      for (const { obligation, filedAt } of legal.followUpsToCompute()) {
        legal.followUpDue(obligation, await computeFollowUp({ obligation, filedAt, withinHours: withinHours()?.['follow-up'] }), now());
      }
      const policy = incident.policy;
      for (const notice of legal.fire(now())) {
        const stepKey = `${stepKeyBase}/clock/${notice.obligation}/${notice.label}`;
        for (const c of channelsWith('announce')) {
          const mention = clockAudience(policy, notice).responders.flatMap((r) => addressOn(c, r) ?? []);
          await announce[c.announce.activities.clock](c.announce.input({ stepKey, state: incident.snapshot(), about: { notice }, mention, policy }));
        }
        if (policy.regulatory?.ladder?.length) await climb(notice, stepKey, now);
      }
      for (const { obligation, services } of legal.pagesToClose()) {
        legal.pagesClosed(obligation, await closeAlarm(ladder, clockAlarmKey(incident.snapshot().incidentId, obligation), services), now());
      }
      publishDeadline();
    },

    publishDeadline,
  };
}

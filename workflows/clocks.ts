import { proxyActivities, upsertSearchAttributes } from '@temporalio/workflow';
import type { ClockActivities } from '../activities/clocks';
import type { SlackActivities } from '../activities/slack';
import type { Incident } from '../core/incident';
import { SEARCH_ATTRIBUTES } from './search-attributes';

const retry = { initialInterval: '1 second', maximumInterval: '1 minute' } as const;
const { computeClocks } = proxyActivities<ClockActivities>({ startToCloseTimeout: '30 seconds', retry });
const { postClockNotice } = proxyActivities<SlackActivities>({ startToCloseTimeout: '30 seconds', retry });

/**
 * The incident's legal clocks, tended from its main loop: clocks whose trigger was recorded
 * are computed (by an activity: holiday data must not live in workflow code), and reminders
 * and deadlines that have come are told to the DPO and legal in Slack.
 */
export function createClockKeeper(incident: Incident, stepKeyBase: string) {
  /** The deadline last written to the KlaxonNextDeadline search attribute. */
  let published = incident.nearestDeadline();
  return {
    /** Whether anything is to do at `now`; checked first so a loop with nothing to do awaits nothing. */
    hasWork(now: number): boolean {
      return incident.clocksToStart().length > 0 || (incident.nextClockEventAt() ?? Infinity) <= now || incident.nearestDeadline() !== published;
    },

    async tend(now: () => string): Promise<void> {
      const toStart = incident.clocksToStart();
      if (toStart.length) {
        const clocks = await computeClocks({ obligations: toStart.map((o) => o.id), triggers: incident.triggerInstants(), reminders: incident.policy.regulatory?.reminders });
        incident.clocksStarted(clocks, now());
      }
      const policy = incident.policy;
      const mention = policy.responders.filter((r) => r.slackUserId && r.roles?.some((role) => role === 'dpo' || role === 'legal')).map((r) => r.slackUserId!);
      for (const notice of incident.fireClockEvents(now())) {
        await postClockNotice({
          stepKey: `${stepKeyBase}/clock/${notice.obligation}/${notice.label}`,
          state: incident.snapshot(),
          notice,
          mention,
          ...(policy.slackChannel ? { channel: policy.slackChannel } : {}),
        });
      }
      // Visibility follows: `klaxon incidents list --deadline-within 24h` asks Temporal, not the incidents.
      const nearest = incident.nearestDeadline();
      if (nearest !== published) {
        published = nearest;
        upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.nextDeadline, value: nearest ? new Date(nearest) : null }]);
      }
    },
  };
}

import ical from 'ical-generator';
import { timeline } from '../core/escalation/schedule';
import { withRuntimeOverrides, type RuntimeOverride } from '../core/oncall/runtime-override';
import type { Policy } from '../core/policy/policy';

/** How far a feed looks ahead: calendar apps poll it, so it is bounded. */
export const FEED_WEEKS = { default: 4, most: 12 } as const;

/** ical-generator escapes event text but not the calendar's name: a name stays on one line. */
const oneLine = (text: string): string => text.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').slice(0, 200);

/**
 * A schedule's shifts from `from` for `weeks` weeks as an iCalendar feed (ical-generator), the
 * live roster included; one person's shifts only when `responder` is given. Events are UTC
 * instants computed by the schedule's own rules, so a 09:00 Europe/Berlin hand-off shows at
 * 09:00 in a Berlin calendar on both sides of a DST change.
 */
export function scheduleFeed(policy: Policy, scheduleName: string, overrides: readonly RuntimeOverride[], o: { from: number; weeks: number; responder?: string }): string {
  const schedule = policy.schedules!.find((s) => s.name === scheduleName)!;
  const live = withRuntimeOverrides(policy.name, schedule, overrides);
  const to = o.from + o.weeks * 7 * 86_400_000;
  const title = o.responder !== undefined ? `${o.responder} on call: ${scheduleName} (${policy.name})` : `On call: ${scheduleName} (${policy.name})`;
  const cal = ical({ name: oneLine(`Klaxon: ${title}`), prodId: { company: 'Klaxon', product: 'on-call' }, ttl: 3600 });
  for (const s of timeline(live, o.from, to)) {
    if (s.responder === undefined || (o.responder !== undefined && s.responder !== o.responder)) continue;
    cal.createEvent({
      id: `${encodeURIComponent(policy.name)}.${encodeURIComponent(scheduleName)}.${s.from}@klaxon`,
      start: new Date(s.from),
      end: new Date(s.to),
      summary: `On call: ${s.responder} (${scheduleName})`,
      description: `Schedule "${scheduleName}" of policy "${policy.name}": ${s.responder}, by ${s.via === 'override' ? 'an override' : `layer "${s.via}"`}.`,
    });
  }
  return cal.toString();
}

import ical from 'ical-generator';
import { timeline, type Schedule, type Shift } from '../core/escalation/schedule';
import { withRuntimeOverrides, type RuntimeOverride } from '../core/oncall/runtime-override';
import type { Policy } from '../core/policy/policy';

/** How far a feed looks ahead: calendar apps poll it, so it is bounded. */
export const FEED_WEEKS = { default: 4, most: 12 } as const;

/** ical-generator escapes event text but not the calendar's name: a name stays on one line. */
const oneLine = (text: string): string => text.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').slice(0, 200);

/** How far back the feed looks for where the shift in force at its first instant began. */
const LOOK_BACK = { firstDays: 7, mostDays: 366 } as const;

/**
 * The shifts that end after `from`, the one in force at `from` with its real start (not clipped
 * to `from`): a calendar shows when it began, and its UID (made from its start) stays the same
 * from one read to the next. Looks back a week, then twice as far, up to a year.
 */
function shiftsFrom(schedule: Schedule, from: number, to: number): Shift[] {
  for (let days = LOOK_BACK.firstDays; ; days *= 2) {
    const back = Math.min(days, LOOK_BACK.mostDays) * 86_400_000;
    const shifts = timeline(schedule, from - back, to).filter((s) => s.to > from);
    // The first shift began after the look-back's start, or it is as far as we look.
    if (shifts.length === 0 || shifts[0].from > from - back || days >= LOOK_BACK.mostDays) return shifts;
  }
}

/**
 * A schedule's shifts from `from` for `weeks` weeks as an iCalendar feed (ical-generator), the
 * live roster included; one person's shifts only when `responder` is given. The shift in force at
 * `from` keeps its real start, so its UID is stable across reads. Events are UTC
 * instants computed by the schedule's own rules, so a 09:00 Europe/Berlin hand-off shows at
 * 09:00 in a Berlin calendar on both sides of a DST change.
 */
export function scheduleFeed(policy: Policy, scheduleName: string, overrides: readonly RuntimeOverride[], o: { from: number; weeks: number; responder?: string }): string {
  const schedule = policy.schedules!.find((s) => s.name === scheduleName)!;
  const live = withRuntimeOverrides(policy.name, schedule, overrides);
  const to = o.from + o.weeks * 7 * 86_400_000;
  const title = o.responder !== undefined ? `${o.responder} on call: ${scheduleName} (${policy.name})` : `On call: ${scheduleName} (${policy.name})`;
  const cal = ical({ name: oneLine(`Klaxon: ${title}`), prodId: { company: 'Klaxon', product: 'on-call' }, ttl: 3600 });
  for (const s of shiftsFrom(live, o.from, to)) {
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

import { DateTime } from 'luxon';
import { addBusinessDays } from '../regulation/business-calendar';
import type { ReviewSettings } from './review-settings';

/**
 * When a review is due and when its reminders go out, on the business calendar the legal clocks
 * use (core/regulation/business-calendar.ts: weekends, and the public holidays of
 * `reviews.holidays`), in the owner's zone. Holiday data lives outside workflow code: the review
 * workflow gets this from an activity (activities/reviews.ts), recorded once in its history.
 */
export interface ReviewSchedule {
  /** The end of the owner's business day (`endOfDay`, local) `dueBusinessDays` business days after resolution. */
  dueAt: string;
  /** The n-th reminder of a late review (to levels 1..n+1 of the ladder): at the due date, then one step apart. */
  remindAt: string[];
}

export function reviewSchedule(resolvedAt: string, settings: ReviewSettings, o: { zone: string; endOfDay: string; levels: number }): ReviewSchedule {
  const calendar = { zone: o.zone, ...(settings.holidays ? { jurisdiction: settings.holidays } : {}) };
  const [hour, minute] = o.endOfDay.split(':').map(Number);
  const resolved = DateTime.fromISO(resolvedAt, { zone: 'utc' });
  const due = addBusinessDays(calendar, resolved, settings.dueBusinessDays).set({ hour, minute, second: 0, millisecond: 0 });
  const remindAt: string[] = [];
  for (let step = 0, at = due; step < Math.max(1, o.levels); step++) {
    remindAt.push(at.toUTC().toISO()!);
    // One business day later at the same local time, or the policy's fixed interval.
    at = settings.remindEveryHours ? at.plus({ hours: settings.remindEveryHours }) : addBusinessDays(calendar, at, 1).set({ hour, minute });
  }
  return { dueAt: due.toUTC().toISO()!, remindAt };
}

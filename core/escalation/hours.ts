// Workflow-safe: workflow code imports this module; keep Node-only modules out (test/workflow/bundle.test.ts).
import { DateTime } from 'luxon';

/**
 * Weekly windows of local wall-clock time (business hours, quiet hours), read in a named zone
 * so "09:00–17:00 in Berlin" stays 09:00–17:00 local across DST. Pure: the ladder, the
 * schedules and the simulator share it.
 */
export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export interface HoursWindow {
  /** Days on which the window opens (a window over midnight belongs to the day it opens). */
  days: Weekday[];
  /** Local HH:mm; `to` before `from` means the window runs over midnight. */
  from: string;
  to: string;
}

/** Monday to Friday, 09:00–17:00: business hours when a policy names none. */
export const DEFAULT_BUSINESS_HOURS: HoursWindow = { days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '09:00', to: '17:00' };
/** Every night, 22:00–08:00: quiet hours when a policy names none. */
export const DEFAULT_QUIET_HOURS: HoursWindow = { days: [...WEEKDAYS], from: '22:00', to: '08:00' };

export const CLOCK_TIME = /^([01]\d|2[0-3]):[0-5]\d$/;

export function minutesOf(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return h * 60 + m;
}

/** Whether a daily from–to span (over midnight when to < from) covers a local minute of the day. */
export function spanCovers(from: string, to: string, minuteOfDay: number): boolean {
  const a = minutesOf(from);
  const b = minutesOf(to);
  return a < b ? minuteOfDay >= a && minuteOfDay < b : minuteOfDay >= a || minuteOfDay < b;
}

/** Whether the instant `at` falls inside the window, read in `zone`. */
export function withinHours(window: HoursWindow, at: number, zone: string): boolean {
  const local = DateTime.fromMillis(at, { zone });
  const minute = local.hour * 60 + local.minute;
  if (!spanCovers(window.from, window.to, minute)) return false;
  // After midnight in an overnight window, the window opened the day before.
  const opened = minutesOf(window.from) > minutesOf(window.to) && minute < minutesOf(window.to) ? local.minus({ days: 1 }) : local;
  return window.days.includes(WEEKDAYS[opened.weekday - 1]);
}

/** What is wrong with a window, if anything. */
export function hoursProblems(window: HoursWindow): string[] {
  const problems: string[] = [];
  if (window.days.length === 0) problems.push('no days');
  for (const d of window.days) if (!WEEKDAYS.includes(d)) problems.push(`"${d}" is not one of ${WEEKDAYS.join(', ')}`);
  if (!CLOCK_TIME.test(window.from) || !CLOCK_TIME.test(window.to) || window.from === window.to) problems.push('from and to must be two different HH:mm times');
  return problems;
}

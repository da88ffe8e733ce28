import type { DateTime } from 'luxon';
import { addBusinessDays } from './business-calendar';
import { ClockError, computeClockBy, elapsedDueFrom, parseInstant, type Clock } from './clock';
import type { DeadlineRule, Obligation, TriggerKind } from './regimes';

/**
 * When an obligation is due, and when to remind, from the instants that start its clock, with
 * every kind of rule, business days (holiday data) included: the clocks' activity and `klaxon
 * clocks compute` call it. Rules in elapsed hours need none of that (core/regulation/clock.ts).
 */

function endOfLocal(day: DateTime, hhmm: string): DateTime {
  const [hour, minute] = hhmm.split(':').map(Number);
  return day.set({ hour, minute, second: hour === 23 && minute === 59 ? 59 : 0, millisecond: hour === 23 && minute === 59 ? 999 : 0 });
}

/** The deadline a rule sets from `start`; `jurisdiction` overrides a business-day rule's calendar. */
export function dueFrom(rule: DeadlineRule, start: DateTime, options: { policyHours?: number; jurisdiction?: string } = {}): DateTime {
  switch (rule.unit) {
    case 'hours':
    case 'policy-hours':
      return elapsedDueFrom(rule, start, options);
    case 'months':
      return start.toUTC().plus({ months: rule.amount });
    case 'calendar-days':
      return endOfLocal(start.setZone(rule.zone).startOf('day').plus({ days: rule.amount }), '23:59').toUTC();
    case 'business-days': {
      const calendar = { jurisdiction: options.jurisdiction ?? rule.jurisdiction, zone: rule.zone };
      return endOfLocal(addBusinessDays(calendar, start, rule.amount), rule.endOfDay).toUTC();
    }
  }
}

/** The clock of `obligation` from the recorded trigger instants (ISO), whatever its rules (see computeClockBy). */
export function computeClock(
  obligation: Obligation,
  triggers: Partial<Record<TriggerKind, string>>,
  options: { reminders?: string[]; policyHours?: number; jurisdiction?: string } = {},
): Clock {
  return computeClockBy(dueFrom, obligation, triggers, options);
}

/** When the next phase of a phased filing is due, counted from the previous phase (Art. 33(4)). */
export function followUpDue(obligation: Obligation, filedAt: string, options: { policyHours?: number } = {}): string {
  if (!obligation.phases) throw new ClockError(`${obligation.id} is not filed in phases`);
  return dueFrom(obligation.phases.followUp, parseInstant(filedAt, 'filing'), options).toUTC().toISO()!;
}

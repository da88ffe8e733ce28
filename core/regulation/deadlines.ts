import { DateTime, Duration } from 'luxon';
import { addBusinessDays } from './business-calendar';
import type { DeadlineRule, Obligation, TriggerKind } from './regimes';
import { REMINDER_PATTERN } from './reminders';

/**
 * When an obligation is due, and when to remind, from the instants that start its clock.
 * Pure (the holiday data included): the clocks' activity and `klaxon clocks compute` call it.
 */
export interface Clock {
  obligation: string;
  /** The trigger that started the clock, and its instant (UTC). */
  trigger: TriggerKind;
  startedAt: string;
  dueAt: string;
  /** Set when a second, later-reached limit made the deadline earlier (DORA initial). */
  limitedBy?: TriggerKind;
  reminders: Array<{ label: string; at: string }>;
}

/** Reminder points: fractions of the time allowed, and times before the deadline. */
export const DEFAULT_REMINDERS = ['50%', '75%', 'T-12h', 'T-2h'];

export class ClockError extends Error {
  override readonly name = 'ClockError';
}

function endOfLocal(day: DateTime, hhmm: string): DateTime {
  const [hour, minute] = hhmm.split(':').map(Number);
  return day.set({ hour, minute, second: hour === 23 && minute === 59 ? 59 : 0, millisecond: hour === 23 && minute === 59 ? 999 : 0 });
}

/** The deadline a rule sets from `start`; `jurisdiction` overrides a business-day rule's calendar. */
export function dueFrom(rule: DeadlineRule, start: DateTime, options: { policyHours?: number; jurisdiction?: string } = {}): DateTime {
  switch (rule.unit) {
    case 'hours':
      // Elapsed hours in UTC: 72 hours are 72 hours whatever the wall clocks do meanwhile.
      return start.toUTC().plus({ hours: rule.amount });
    case 'policy-hours':
      return start.toUTC().plus({ hours: options.policyHours ?? rule.defaultHours });
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

/** `50%` of the time allowed, or `T-12h` / `T-30m` / `T-2d` before the deadline. */
export function reminderAt(label: string, start: DateTime, due: DateTime): DateTime {
  const m = REMINDER_PATTERN.exec(label);
  if (m?.[1]) return start.plus({ milliseconds: (due.toMillis() - start.toMillis()) * (Number(m[1]) / 100) });
  if (m?.[2]) return due.minus(Duration.fromObject({ [{ m: 'minutes', h: 'hours', d: 'days' }[m[3]]!]: Number(m[2]) }));
  throw new ClockError(`reminder "${label}" is neither a share of the time allowed (e.g. 75%) nor a time before the deadline (e.g. T-12h)`);
}

const parseInstant = (iso: string, what: string): DateTime => {
  const t = DateTime.fromISO(iso, { setZone: true });
  if (!t.isValid) throw new ClockError(`${what} "${iso}" is not an ISO date-time`);
  return t;
};

/**
 * The clock of `obligation` from the recorded trigger instants (ISO). Reminders falling before
 * the trigger (a backdated awareness) or after the deadline are dropped, and of several points
 * on one instant only the first (in the policy's order) is kept.
 */
export function computeClock(
  obligation: Obligation,
  triggers: Partial<Record<TriggerKind, string>>,
  options: { reminders?: string[]; policyHours?: number; jurisdiction?: string } = {},
): Clock {
  const startIso = triggers[obligation.trigger];
  if (!startIso) throw new ClockError(`${obligation.id} starts at "${obligation.trigger}", which is not recorded`);
  const start = parseInstant(startIso, obligation.trigger);
  let due = dueFrom(obligation.deadline, start, options);
  let limitedBy: TriggerKind | undefined;
  const second = obligation.alsoWithin && triggers[obligation.alsoWithin.trigger];
  if (obligation.alsoWithin && second) {
    const other = dueFrom(obligation.alsoWithin.deadline, parseInstant(second, obligation.alsoWithin.trigger), options);
    if (other < due) {
      due = other;
      limitedBy = obligation.alsoWithin.trigger;
    }
  }
  const reminders = (options.reminders ?? DEFAULT_REMINDERS)
    .map((label) => ({ label, at: reminderAt(label, start, due) }))
    .filter((r) => r.at > start && r.at < due)
    .sort((a, b) => a.at.toMillis() - b.at.toMillis())
    // Two points falling on one instant (50% and T-2h of DORA's 4 hours) are one reminder.
    .filter((r, i, all) => i === 0 || all[i - 1].at.toMillis() !== r.at.toMillis())
    .map((r) => ({ label: r.label, at: r.at.toUTC().toISO()! }));
  return {
    obligation: obligation.id,
    trigger: obligation.trigger,
    startedAt: start.toUTC().toISO()!,
    dueAt: due.toUTC().toISO()!,
    ...(limitedBy ? { limitedBy } : {}),
    reminders,
  };
}

/** When the next phase of a phased filing is due, counted from the previous phase (Art. 33(4)). */
export function followUpDue(obligation: Obligation, filedAt: string, options: { policyHours?: number } = {}): string {
  if (!obligation.phases) throw new ClockError(`${obligation.id} is not filed in phases`);
  return dueFrom(obligation.phases.followUp, parseInstant(filedAt, 'filing'), options).toUTC().toISO()!;
}

// Workflow-safe: workflow code imports this module; keep Node-only modules out (test/workflow/bundle.test.ts).
import { DateTime, Duration } from 'luxon';
import type { DeadlineRule, Obligation, TriggerKind } from './regimes';
import { REMINDER_PATTERN } from './reminders';

/**
 * A legal clock: when an obligation is due, and when to remind, from the instants that start
 * it. This module needs no holiday data, so the incident workflow may compute a clock whose rules
 * run in elapsed hours itself (GDPR Art. 33's 72 hours); rules in days and months are computed
 * by core/regulation/deadlines.ts, in an activity.
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
const DEFAULT_REMINDERS = ['50%', '75%', 'T-12h', 'T-2h'];

export class ClockError extends Error {
  override readonly name = 'ClockError';
}

type ClockOptions = { reminders?: string[]; policyHours?: number; jurisdiction?: string };
type DueFrom = (rule: DeadlineRule, start: DateTime, options: ClockOptions) => DateTime;

/** The deadline of a rule in elapsed hours: 72 hours are 72 hours in UTC, whatever the wall clocks do meanwhile. */
export function elapsedDueFrom(rule: Extract<DeadlineRule, { unit: 'hours' | 'policy-hours' }>, start: DateTime, options: { policyHours?: number } = {}): DateTime {
  return start.toUTC().plus({ hours: rule.unit === 'hours' ? rule.amount : (options.policyHours ?? rule.defaultHours) });
}

const isElapsed = (rule: DeadlineRule): rule is Extract<DeadlineRule, { unit: 'hours' | 'policy-hours' }> => rule.unit === 'hours' || rule.unit === 'policy-hours';

/** `50%` of the time allowed, or `T-12h` / `T-30m` / `T-2d` before the deadline. */
export function reminderAt(label: string, start: DateTime, due: DateTime): DateTime {
  const m = REMINDER_PATTERN.exec(label);
  if (m?.[1]) return start.plus({ milliseconds: (due.toMillis() - start.toMillis()) * (Number(m[1]) / 100) });
  if (m?.[2]) return due.minus(Duration.fromObject({ [{ m: 'minutes', h: 'hours', d: 'days' }[m[3]]!]: Number(m[2]) }));
  throw new ClockError(`reminder "${label}" is neither a share of the time allowed (e.g. 75%) nor a time before the deadline (e.g. T-12h)`);
}

export const parseInstant = (iso: string, what: string): DateTime => {
  const t = DateTime.fromISO(iso, { setZone: true });
  if (!t.isValid) throw new ClockError(`${what} "${iso}" is not an ISO date-time`);
  return t;
};

/**
 * The clock of `obligation` from the recorded trigger instants (ISO), its deadlines by `dueFrom`.
 * Reminders falling before the trigger (a backdated awareness) or after the deadline are
 * dropped, and of several points on one instant only the first (in the policy's order) is kept.
 */
export function computeClockBy(dueFrom: DueFrom, obligation: Obligation, triggers: Partial<Record<TriggerKind, string>>, options: ClockOptions = {}): Clock {
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

/**
 * The clocks of `obligations` when every rule they run by is in elapsed hours (what the workflow
 * may compute itself); undefined when one needs a calendar (the clocks' activity computes those).
 */
export function computeElapsedClocks(obligations: Obligation[], triggers: Partial<Record<TriggerKind, string>>, options: { reminders?: string[]; withinHours?: Record<string, number> } = {}): Clock[] | undefined {
  if (!obligations.every((o) => isElapsed(o.deadline) && (!o.alsoWithin || isElapsed(o.alsoWithin.deadline)))) return undefined;
  const elapsed: DueFrom = (rule, start, o) => {
    if (!isElapsed(rule)) throw new ClockError(`${rule.unit} is not counted in elapsed hours`);
    return elapsedDueFrom(rule, start, o);
  };
  return obligations.map((o) => computeClockBy(elapsed, o, triggers, { reminders: options.reminders, policyHours: options.withinHours?.[o.id] }));
}

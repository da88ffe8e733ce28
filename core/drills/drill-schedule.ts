import { IANAZone } from 'luxon';

/**
 * A scheduled drill's name, cron expression and time zone, checked before anything reaches
 * Temporal: whoever schedules a quarterly drill learns at once, with the field named, that
 * a cron expression lacks a field or that "Europe/Berln" is no zone, not when the quarter comes.
 */

/** Every drill schedule's Temporal Schedule id starts so (the rest is its name). */
export const DRILL_SCHEDULE_PREFIX = 'drill-schedule-';
export const drillScheduleId = (name: string): string => `${DRILL_SCHEDULE_PREFIX}${name}`;

/** A schedule's name: what the CLI and the routes name it by, and the tail of its id. */
const NAME = /^[a-z0-9](?:[a-z0-9-]{0,46}[a-z0-9])?$/;
/** A cron expression is short; anything longer is refused before it is split. */
export const MAX_CRON_LENGTH = 100;

/** Something about a drill schedule that cannot be: `field` names what (name, cron, timeZone, policy, scenario). */
export class DrillScheduleError extends Error {
  override readonly name = 'DrillScheduleError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

export function checkScheduleName(name: string): string {
  if (!NAME.test(name)) throw new DrillScheduleError('name', `schedule name "${name.slice(0, 60)}" is not 1 to 48 lower-case letters, digits and inner "-"`);
  return name;
}

/** A schedule's name from its name or its full id (`drill-schedule-<name>`), as people may give either. */
export const scheduleNameOf = (nameOrId: string): string => checkScheduleName(nameOrId.startsWith(DRILL_SCHEDULE_PREFIX) ? nameOrId.slice(DRILL_SCHEDULE_PREFIX.length) : nameOrId);

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

/** The five fields, their bounds and the names each takes (months from 1, days of the week from 0 = Sunday). */
const FIELDS = [
  { what: 'minute', min: 0, max: 59 },
  { what: 'hour', min: 0, max: 23 },
  { what: 'day of month', min: 1, max: 31 },
  { what: 'month', min: 1, max: 12, names: MONTHS, first: 1 },
  { what: 'day of week', min: 0, max: 6, names: DAYS, first: 0 },
] as const;

/** One item of a field's list: `*`, `n`, `a-b`, each with an optional `/step`. */
const ITEM = /^(\*|[0-9A-Za-z]{1,3}(?:-[0-9A-Za-z]{1,3})?)(?:\/([0-9]{1,2}))?$/;

function valueOf(field: (typeof FIELDS)[number], text: string, expr: string): number {
  const named = 'names' in field ? (field.names as readonly string[]).indexOf(text.toUpperCase()) : -1;
  const n = named >= 0 ? named + ('first' in field ? field.first : 0) : /^[0-9]+$/.test(text) ? Number(text) : NaN;
  if (!(n >= field.min && n <= field.max)) throw new DrillScheduleError('cron', `cron "${expr}": ${field.what} "${text}" is not ${field.min}–${field.max}${'names' in field ? ` or a name (${field.names[0]}…)` : ''}`);
  return n;
}

/**
 * A standard five-field cron expression (minute hour day-of-month month day-of-week), each
 * field `*`, a number, a range, a list, with optional `/step`; names of months and days are
 * taken and given on as numbers. The checked expression, single-spaced; DrillScheduleError
 * (field `cron`) saying what is wrong otherwise.
 */
export function checkCron(expr: string): string {
  if (expr.length > MAX_CRON_LENGTH) throw new DrillScheduleError('cron', `a cron expression is at most ${MAX_CRON_LENGTH} characters`);
  const fields = expr.trim().split(/\s+/);
  if (fields.length !== 5) {
    throw new DrillScheduleError('cron', `cron "${expr}" has ${fields.length} field(s); it needs 5: minute hour day-of-month month day-of-week (e.g. "0 10 1 */3 *", 10:00 on the first day of every third month)`);
  }
  return fields
    .map((text, i) => {
      const field = FIELDS[i];
      return text
        .split(',')
        .map((item) => {
          const m = ITEM.exec(item);
          if (!m) throw new DrillScheduleError('cron', `cron "${expr}": ${field.what} "${item}" is not *, a number, a range a-b or a list, with an optional /step`);
          const [range, step] = [m[1], m[2]];
          if (step !== undefined && !(Number(step) >= 1 && Number(step) <= field.max)) throw new DrillScheduleError('cron', `cron "${expr}": ${field.what} step "/${step}" is not 1–${field.max}`);
          const bounds = range === '*' ? ['*'] : range.split('-').map((v) => String(valueOf(field, v, expr)));
          if (bounds.length === 2 && Number(bounds[0]) > Number(bounds[1])) throw new DrillScheduleError('cron', `cron "${expr}": ${field.what} range "${range}" ends before it starts`);
          return `${bounds.join('-')}${step !== undefined ? `/${Number(step)}` : ''}`;
        })
        .join(',');
    })
    .join(' ');
}

/** An IANA time zone the schedule's cron is read in (Temporal reads it in UTC without one). */
export function checkTimeZone(zone: string): string {
  if (zone.length > 64 || !IANAZone.isValidZone(zone)) throw new DrillScheduleError('timeZone', `time zone "${zone.slice(0, 64)}" is not an IANA zone (e.g. Europe/Berlin)`);
  return zone;
}

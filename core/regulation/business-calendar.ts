import Holidays from 'date-holidays';
import { DateTime } from 'luxon';

/**
 * Business days of a jurisdiction: weekdays that are not public holidays there, from the
 * maintained `date-holidays` library (never a hand-written list). Computed outside workflows
 * (an activity records the result), so a library update cannot change a running clock.
 */
export interface CalendarSpec {
  /** ISO 3166 country, optionally with a subdivision: "US", "BR", "US-VT", "DE-BE"; absent: weekends are the only days off (a review's calendar without `holidays`). */
  jurisdiction?: string;
  /** Zone in which the jurisdiction's days begin and end. */
  zone: string;
}

const cache = new Map<string, Holidays>();

function holidaysOf(jurisdiction: string): Holidays {
  let h = cache.get(jurisdiction);
  if (!h) {
    const [country, region] = jurisdiction.split('-');
    h = region ? new Holidays(country, region) : new Holidays(country);
    if (!h.getCountries()[country]) throw new RangeError(`"${jurisdiction}" is not a jurisdiction the holiday library knows`);
    cache.set(jurisdiction, h);
  }
  return h;
}

/** Whether the holiday library knows a jurisdiction (a policy's `reviews.holidays` is checked with it). */
export function isKnownJurisdiction(jurisdiction: string): boolean {
  try {
    holidaysOf(jurisdiction);
    return true;
  } catch {
    return false;
  }
}

/** Public holidays of the jurisdiction on a local date (yyyy-MM-dd), by name; empty when none. */
function publicHolidaysOn(jurisdiction: string, isoDate: string): string[] {
  const year = Number(isoDate.slice(0, 4));
  return holidaysOf(jurisdiction)
    .getHolidays(year)
    .filter((h) => h.type === 'public' && h.date.startsWith(isoDate))
    .map((h) => h.name);
}

function isBusinessDay(spec: CalendarSpec, day: DateTime): boolean {
  return day.weekday <= 5 && (spec.jurisdiction === undefined || publicHolidaysOn(spec.jurisdiction, day.toISODate()!).length === 0);
}

/**
 * The local date `n` business days after the local date of `from` (the day of the trigger
 * itself does not count, as "within four business days after" reads).
 */
export function addBusinessDays(spec: CalendarSpec, from: DateTime, n: number): DateTime {
  let day = from.setZone(spec.zone).startOf('day');
  for (let counted = 0; counted < n; ) {
    day = day.plus({ days: 1 });
    if (isBusinessDay(spec, day)) counted += 1;
  }
  return day;
}

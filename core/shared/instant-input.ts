import { DateTime } from 'luxon';

/** Years an instant may have: what PostgreSQL's timestamptz, `Date` and every calendar read alike. */
export const INSTANT_YEARS = { first: 1970, last: 9999 } as const;

/** A date-time a person wrote that cannot be read; the caller turns it into its own 400. */
export class InstantInputError extends Error {
  override readonly name = 'InstantInputError';
}

/** A trailing UTC offset: Z, ±hh, ±hhmm or ±hh:mm (an hour-only offset is an offset, not a local time). */
const OFFSET = /(?:Z|[+-]\d\d(?::?\d\d)?)$/i;

/**
 * A date-time with an offset, or local in `zone`; UTC milliseconds. Refused: a year outside
 * 1970–9999, and a local time that does not exist in `zone` (the hour the clocks skip in spring),
 * which luxon would otherwise move on silently. On-call overrides and maintenance windows read
 * their times through this one reader, so both refuse the same things with the same words.
 */
export function readInstant(text: string, field: string, zone: string | undefined): number {
  const quoted = JSON.stringify(text);
  const written = DateTime.fromISO(text, { zone: 'utc' });
  if (!written.isValid) throw new InstantInputError(`${field} ${quoted} is not an ISO date-time (e.g. 2026-03-29T09:00)`);
  const offset = OFFSET.test(text);
  if (!offset && zone === undefined) throw new InstantInputError(`${field} ${quoted} has no offset: add one (e.g. 2026-03-29T09:00+02:00) or give tz (an IANA zone)`);
  const dt = DateTime.fromISO(text, { zone: offset ? 'utc' : zone, setZone: false });
  if (!dt.isValid) throw new InstantInputError(`${field} ${quoted} is not an ISO date-time (e.g. 2026-03-29T09:00)`);
  const year = dt.toUTC().year;
  if (year < INSTANT_YEARS.first || year > INSTANT_YEARS.last) throw new InstantInputError(`${field} ${quoted} is in the year ${year}: a time from ${INSTANT_YEARS.first} to ${INSTANT_YEARS.last} is expected`);
  if (!offset && (['year', 'month', 'day', 'hour', 'minute', 'second', 'millisecond'] as const).some((u) => dt[u] !== written[u])) {
    throw new InstantInputError(`${field} ${quoted} does not exist in ${zone}: the clocks skip that hour (daylight saving time); give a time before or after it, or an offset`);
  }
  return dt.toMillis();
}

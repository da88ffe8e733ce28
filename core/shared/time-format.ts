// Workflow-safe: workflow code imports this module; keep Node-only modules out (test/workflow/bundle.test.ts).
import { DateTime, IANAZone } from 'luxon';

/** Shows a UTC instant in the reader's zone with the zone named, e.g. `2026-03-29 03:30:00 +02:00 (Europe/Berlin)`. */
export function formatInstant(isoUtc: string, zone: string): string {
  const dt = DateTime.fromISO(isoUtc, { zone: 'utc' }).setZone(zone);
  if (!dt.isValid) throw new RangeError(`cannot show ${isoUtc} in zone "${zone}": ${dt.invalidExplanation ?? dt.invalidReason}`);
  return `${dt.toFormat('yyyy-MM-dd HH:mm:ss ZZ')} (${zone})`;
}

/** The zone to show times in: an explicit choice, else the process's zone (TZ or the system's). */
export function readerZone(explicit: string | undefined, systemZone: string): string {
  const zone = explicit ?? systemZone;
  if (!IANAZone.isValidZone(zone)) throw new RangeError(`"${zone}" is not an IANA time zone (e.g. Europe/Berlin)`);
  return zone;
}

/**
 * Whether `iso` is an instant with its offset spelled out (Z or ±hh:mm): legal clocks must not
 * depend on the zone of whoever typed the time.
 */
export function isInstantWithOffset(iso: string): boolean {
  return !Number.isNaN(Date.parse(iso)) && /(Z|[+-]\d\d:?\d\d)$/.test(iso);
}

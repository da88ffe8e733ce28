import { timingSafeEqual } from 'node:crypto';
import { SEVERITIES, type Severity } from '../alerts/severity';

/**
 * Severity words monitoring tools use, mapped to Klaxon's scale; unknown words get `fallback`.
 * A Map: the word comes from the alert, and "constructor" must not find Object.prototype's.
 */
const SEVERITY_WORDS = new Map<string, Severity>(Object.entries({
  critical: 'SEV1', fatal: 'SEV1', page: 'SEV1', emergency: 'SEV1',
  high: 'SEV2', error: 'SEV2', major: 'SEV2', alert: 'SEV2',
  warning: 'SEV3', warn: 'SEV3', medium: 'SEV3', minor: 'SEV3',
  low: 'SEV4', info: 'SEV4', debug: 'SEV4', none: 'SEV4',
} as const));

export function severityFrom(word: string | undefined, fallback: Severity = 'SEV3'): Severity {
  if (!word) return fallback;
  const upper = word.toUpperCase();
  if ((SEVERITIES as readonly string[]).includes(upper)) return upper as Severity;
  return SEVERITY_WORDS.get(word.toLowerCase()) ?? fallback;
}

export function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Splits `a, b ,c` into `['a','b','c']`. */
export function listOf(value: string | undefined): string[] {
  return (value ?? '').split(',').map((s) => s.trim()).filter(Boolean);
}

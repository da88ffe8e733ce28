import type { Alert } from './alert';
import { capDetails } from './alert-details';
import { cutTitle, sanitiseText, TEXT_LIMITS, textProblem } from '../shared/free-text';
import { PSEUDONYMOUS_KEY_PREFIX, pseudonymousKey } from '../incident/incident-id';
import { redact } from '../shared/redaction';
import type { SourceResolution } from '../sources/source';

/**
 * What every source's alerts go through at intake (client/api/alerts.ts), between the source's
 * parsing and Temporal: first a check that refuses text no record can hold, then, once the
 * classification rules have read the alert as sent, the alert as Klaxon keeps it, with its
 * personal data gone. Temporal (workflow input, signals, state, search attributes), the ledger
 * and everything shown from them only ever see the kept alert.
 *
 * Per field, refused or kept:
 * - dedupKey, tenant, data categories: refused (422 naming the field) when they hold NUL, a lone
 *   surrogate or a control character (line breaks too, except in the key, where a generic
 *   alert's default `title:…` key may carry its title's): they are identity and labels, and
 *   quietly changing them would merge or split incidents.
 * - title: refused on NUL, a lone surrogate or a control character other than tab and line
 *   breaks (which sinks escape): a sender that puts them in a title is broken or hostile, and
 *   must learn it. Longer than TEXT_LIMITS.title: cut, as sources always did.
 * - details: never refused (a monitoring tool's payload, its sender cannot correct it, and the
 *   alert must not be lost for a side field): what is not text becomes U+FFFD.
 */
export function alertTextProblems(alert: Alert, field: (name: string) => string = (n) => n): string[] {
  const problems: string[] = [];
  const check = (name: string, text: string, limits: { max: number; oneLine?: boolean }) => {
    const problem = textProblem(text, limits);
    if (problem) problems.push(`${field(name)}: ${problem}`);
  };
  check('title', alert.title, { max: Infinity });
  check('dedupKey', alert.dedupKey, { max: TEXT_LIMITS.dedupKey });
  if (alert.dedupKey.startsWith(PSEUDONYMOUS_KEY_PREFIX)) problems.push(`${field('dedupKey')}: may not start with "${PSEUDONYMOUS_KEY_PREFIX}", which Klaxon reserves for keys it pseudonymised`);
  check('tenant', alert.tenant, { max: 128, oneLine: true });
  alert.dataCategories.forEach((c, i) => check(`dataCategories.${i}`, c, { max: TEXT_LIMITS.dataCategory, oneLine: true }));
  if (alert.member) memberProblems(alert.member, field, problems);
  return problems;
}

/**
 * A group member's fingerprint and start are the incident's index of its alerts: refused like
 * a dedup key (its stand-in in per-alert incidents) when no record could hold them. The group
 * key is not checked: it is only shown, hashed into the dedup key, and kept redacted and cut.
 */
function memberProblems(member: { fingerprint: string; startsAt: string }, field: (name: string) => string, problems: string[]): void {
  for (const name of ['fingerprint', 'startsAt'] as const) {
    const problem = textProblem(member[name], { max: name === 'fingerprint' ? TEXT_LIMITS.dedupKey : 64, oneLine: true });
    if (problem) problems.push(`${field(name)}: ${problem}`);
  }
}

/** The same check for a source's "resolved": what it repeats of the alert must match what the alert could be. */
export function resolutionTextProblems(r: SourceResolution, field: (name: string) => string): string[] {
  const problems = alertTextProblems({ source: r.source, title: r.title, severity: 'SEV4', dedupKey: r.dedupKey, tenant: r.tenant, dataCategories: [], details: {}, deliveryId: r.deliveryId, receivedAt: r.resolvedAt }, field);
  if (r.member) memberProblems(r.member, field, problems);
  return problems;
}

/**
 * The alert as Klaxon keeps it (after classification, which matches on the text as sent): its
 * title and details redacted (details capped first, keys and values alike, numbers too: a card
 * number sent as a JSON number is still one), its categories redacted, and its dedup key
 * replaced by a pseudonym when the key itself holds personal data. System fields (source,
 * severity, tenant, delivery id, instants, classification) are kept as they are.
 */
export function keptAlert(alert: Alert): Alert {
  const capped = capDetails(alert);
  return {
    ...capped,
    title: redact(cutTitle(alert.title)),
    dedupKey: keptKey(alert.tenant, alert.dedupKey),
    dataCategories: alert.dataCategories.map(redact),
    details: keptValue(capped.details) as Record<string, unknown>,
    ...(alert.member ? { member: { ...alert.member, groupKey: redact(sanitiseText(alert.member.groupKey.slice(0, TEXT_LIMITS.dedupKey))) } } : {}),
  };
}

/** A source's "resolved" as Klaxon keeps it: the same key as its alert's, so it finds the incident. */
export function keptResolution(r: SourceResolution): SourceResolution {
  return {
    ...r,
    title: redact(cutTitle(r.title)),
    dedupKey: keptKey(r.tenant, r.dedupKey),
    labels: Object.fromEntries(Object.entries(r.labels).map(([k, v]) => [redact(sanitiseText(k)), redact(sanitiseText(v))])),
  };
}

/**
 * A dedup key is identity, never redacted in place (two keys would become one, `csv-[number]`):
 * kept as sent unless redaction would change it, and then replaced by a pseudonym that names
 * the same incident (see incidentIdFor). The pseudonym is a hash, not a secret: it keeps the
 * key's text out of the record, but a key of little entropy (an SSN alone) could be guessed.
 */
function keptKey(tenant: string, key: string): string {
  return redact(key) === key ? key : pseudonymousKey(tenant, key);
}

function keptValue(value: unknown): unknown {
  if (typeof value === 'string') return redact(sanitiseText(value));
  if (typeof value === 'number') {
    const text = String(value);
    const kept = redact(text);
    return kept === text ? value : kept;
  }
  if (Array.isArray(value)) return value.map(keptValue);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [redact(sanitiseText(k)), keptValue(v)]));
  return value;
}

import type { AuditEventKind, AuditPayload } from '../core/audit/events';
import { canonicalJson } from './hash';
import { signText, verifyText, type LedgerKey } from './signing';

/** The pseudo-incident whose chain holds the ledger's own records (purges). */
export const LEDGER_RECORDS = '_ledger';

/** The kind of the ledger's record of a purge. */
export const PURGE_KIND = 'ledger.purged' satisfies AuditEventKind;

/** The floor of KLAXON_LEDGER_RETENTION_DAYS: no purge record removing younger incidents is accepted. */
export const MIN_RETENTION_DAYS = 365;

/**
 * What a purge record's payload holds, as the event catalogue types it; `keyId` and `signature`
 * sign everything else with the stepKey and time.
 */
export type PurgePayload = AuditPayload<typeof PURGE_KIND>;

/**
 * One removed event of the global chain: its place, its incident, its own hash and its global
 * link, so verification recomputes the global chain across the gap instead of trusting it.
 */
export type RemovedEvent = PurgePayload['removed'][number];

export type PurgedIncident = PurgePayload['incidents'][number];

type Signed = { stepKey: string; occurredAt: string; retentionDays: number; incidents: PurgedIncident[]; removed: RemovedEvent[] };

const signedText = (s: Signed): string => canonicalJson({ kind: PURGE_KIND, ...s });

export function signPurge(key: LedgerKey, s: Signed): PurgePayload {
  return { retentionDays: s.retentionDays, incidents: s.incidents, removed: s.removed, keyId: key.keyId, signature: signText(key, signedText(s)) };
}

/** A purge's own time may run ahead of when the ledger recorded it by no more than this (clock skew). */
const CLOCK_SKEW_MS = 5 * 60_000;

/**
 * Why a purge record must not be trusted, or undefined when it may bridge its gaps: signed
 * with the ledger key, under `_ledger`, removing only events before it, and only incidents
 * whose last event was past retention at the purge's own time (at least `minRetentionDays`).
 */
export function purgeRecordProblem(
  record: { incidentId: string; stepKey: string; occurredAt: string; recordedAt: string; globalSeq?: number; payload: Record<string, unknown> },
  key: LedgerKey | undefined,
  minRetentionDays: number,
): string | undefined {
  const p = record.payload as Partial<PurgePayload>;
  if (record.incidentId !== LEDGER_RECORDS) return `a purge record is kept under ${LEDGER_RECORDS}, not under ${record.incidentId}`;
  if (typeof p.signature !== 'string' || typeof p.keyId !== 'string') return 'the purge record is not signed';
  if (!key) return 'the purge record cannot be checked: no ledger key was given (KLAXON_LEDGER_SIGNING_KEY_FILE, its public half suffices)';
  if (p.keyId !== key.keyId) return `the purge record is signed with key ${p.keyId}, not with the ledger key ${key.keyId}`;
  if (!Array.isArray(p.incidents) || !Array.isArray(p.removed) || typeof p.retentionDays !== 'number') return 'the purge record lacks its incidents, removed events or retention';
  const signed = { stepKey: record.stepKey, occurredAt: record.occurredAt, retentionDays: p.retentionDays, incidents: p.incidents, removed: p.removed };
  if (!verifyText(key, signedText(signed), p.signature)) return `the purge record's signature does not verify with ledger key ${key.keyId}`;
  if (p.retentionDays < Math.max(minRetentionDays, MIN_RETENTION_DAYS)) return `the purge record's retention (${p.retentionDays} days) is shorter than the ${Math.max(minRetentionDays, MIN_RETENTION_DAYS)} days the ledger keeps`;
  const at = Date.parse(record.occurredAt);
  if (at > Date.parse(record.recordedAt) + CLOCK_SKEW_MS) return `the purge is dated ${record.occurredAt}, after the ledger recorded it`;
  const cutoff = at - p.retentionDays * 86_400_000;
  const young = p.incidents.find((i) => !(Date.parse(i.lastEventAt) < cutoff));
  if (young) return `the purge removes ${young.incidentId}, whose last event (${young.lastEventAt}) was not past retention on ${record.occurredAt}`;
  const listed = new Set(p.incidents.map((i) => i.incidentId));
  const stray = p.removed.find(([seq, incidentId]) => !listed.has(incidentId) || record.globalSeq === undefined || !(seq < record.globalSeq));
  if (stray) return `the purge record lists global event ${stray[0]}, which is not an earlier event of an incident it purges`;
  return undefined;
}

import { createHash } from 'node:crypto';

/** The hash that starts every incident's chain. */
export const GENESIS_HASH = '0'.repeat(64);

/** JSON with object keys sorted at every depth, so the same event always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export interface HashedFields {
  incidentId: string;
  seq: number;
  stepKey: string;
  kind: string;
  occurredAt: string;
  actor: unknown;
  payload: unknown;
  prevHash: string;
}

/** Hashes exactly the chained fields, whatever else the object carries (recordedAt, hash). */
export function eventHash(f: HashedFields): string {
  const { incidentId, seq, stepKey, kind, occurredAt, actor, payload, prevHash } = f;
  const chained = { incidentId, seq, stepKey, kind, occurredAt, actor, payload, prevHash };
  return createHash('sha256').update(canonicalJson(chained)).digest('hex');
}

/** The global chain's link: the event's own hash, bound to its place in the whole ledger. */
export function globalHash(globalSeq: number, globalPrevHash: string, hash: string): string {
  return createHash('sha256').update(canonicalJson({ globalSeq, globalPrevHash, hash })).digest('hex');
}

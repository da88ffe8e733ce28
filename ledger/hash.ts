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

/**
 * How an event's hash is computed. 1: the chained fields without `recorded_at` (events
 * written before version 2 keep verifying under it). 2: every stored field of the event
 * (`recorded_at` too, and the version itself), so no column can change unseen.
 */
export const HASH_VERSION = 2;

export interface HashedFields {
  hashVersion: number;
  incidentId: string;
  seq: number;
  stepKey: string;
  kind: string;
  occurredAt: string;
  /** When the ledger recorded the event; hashed from version 2 on. */
  recordedAt: string;
  actor: unknown;
  payload: unknown;
  prevHash: string;
}

/** Hashes exactly the fields of the event's version, whatever else the object carries (the hash, the global link). */
export function eventHash(f: HashedFields): string {
  const { hashVersion, incidentId, seq, stepKey, kind, occurredAt, recordedAt, actor, payload, prevHash } = f;
  if (hashVersion === 1) return sha256(canonicalJson({ incidentId, seq, stepKey, kind, occurredAt, actor, payload, prevHash }));
  if (hashVersion === 2) return sha256(canonicalJson({ v: 2, incidentId, seq, stepKey, kind, occurredAt, recordedAt, actor, payload, prevHash }));
  throw new RangeError(`hash version ${hashVersion} is not one this Klaxon knows`);
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** The global chain's link: the event's own hash, bound to its place in the whole ledger. */
export function globalHash(globalSeq: number, globalPrevHash: string, hash: string): string {
  return sha256(canonicalJson({ globalSeq, globalPrevHash, hash }));
}

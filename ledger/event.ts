import type { AuditEventKind, AuditRecord } from '../core/audit/events';
import type { Actor } from '../core/incident/incident';

/** Where an event belongs and who did it: what every ledger event has besides its kind and payload. */
interface EventPlace {
  incidentId: string;
  /** Unique per step: a retried append with the same key is a no-op. */
  stepKey: string;
  occurredAt: string;
  actor: Actor;
}

/**
 * An audit event as a step of Klaxon writes it: a kind of the catalogue (core/audit/events.ts)
 * with that kind's payload. The ledger adds its place and hashes.
 */
export type NewLedgerEvent<K extends AuditEventKind = AuditEventKind> = EventPlace & AuditRecord<K>;

/**
 * An event as the ledger holds it. Its kind is the stored text, not a catalogue kind: a ledger
 * may hold kinds this Klaxon does not know (a newer Klaxon wrote them), so a reader looks the
 * kind up (`catalogued`) before it trusts the payload's shape.
 */
export interface LedgerEvent extends EventPlace {
  kind: string;
  payload: Record<string, unknown>;
  seq: number;
  recordedAt: string;
  /** How `hash` was computed (ledger/hash.ts). */
  hashVersion: number;
  prevHash: string;
  hash: string;
  /** Place and link in the chain across all incidents (absent on events older than it). */
  globalSeq?: number;
  globalHash?: string;
}

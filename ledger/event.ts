import type { Actor } from '../core/incident/incident';

/** An audit event as a step of Klaxon writes it; the ledger adds its place and hashes. */
export interface NewLedgerEvent {
  incidentId: string;
  /** Unique per step: a retried append with the same key is a no-op. */
  stepKey: string;
  kind: string;
  occurredAt: string;
  actor: Actor;
  payload: Record<string, unknown>;
}

export interface LedgerEvent extends NewLedgerEvent {
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

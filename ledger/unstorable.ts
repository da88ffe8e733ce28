import { createHash } from 'node:crypto';
import type { AuditEventKind } from '../core/audit/events';
import { isStorableText } from '../core/shared/storable-text';
import { conditionOf, type LedgerDatabaseError } from './database-error';
import { canonicalJson } from './hash';
import type { NewLedgerEvent } from './event';

/**
 * The kind of the event recorded in place of one the database refuses for good (a NUL in a
 * title, a lone surrogate, a value past a limit). Its step key is the refused event's, so a
 * retried batch finds it and goes on; its payload says what was refused and why, and holds a
 * SHA-256 of the refused content (to match against the workflow's history), never the content.
 */
export const UNSTORABLE_KIND = 'ledger.unstorable' satisfies AuditEventKind;

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** Ids and keys are indexed, and an index entry has a size limit (54000): longer ones get a stand-in too. */
const MAX_KEY_LENGTH = 512;

/** The text itself, or a stable stand-in when the database cannot store it (an id or key holding a NUL, or too long to index). */
const storable = (text: string): string => (isStorableText(text) && text.length <= MAX_KEY_LENGTH ? text : `unstorable-${sha256(text).slice(0, 32)}`);

export function substituteFor(event: NewLedgerEvent, refusal: LedgerDatabaseError, now: Date): NewLedgerEvent {
  const occurred = Date.parse(event.occurredAt);
  return {
    incidentId: storable(String(event.incidentId)),
    stepKey: storable(String(event.stepKey)),
    kind: UNSTORABLE_KIND,
    occurredAt: Number.isNaN(occurred) ? now.toISOString() : new Date(occurred).toISOString(),
    actor: { type: 'system', name: 'klaxon-ledger' },
    payload: {
      kind: storable(String(event.kind)),
      sqlstate: refusal.sqlstate,
      condition: conditionOf(refusal.sqlstate),
      ...(refusal.column ? { column: refusal.column } : {}),
      ...(refusal.constraint ? { constraint: refusal.constraint } : {}),
      contentSha256: sha256(canonicalJson({ incidentId: event.incidentId, stepKey: event.stepKey, kind: event.kind, occurredAt: event.occurredAt, actor: event.actor, payload: event.payload })),
    },
  };
}

/** What verification lists of a substitute: where it stands and what it replaced. */
export interface UnstorableRecord {
  incidentId: string;
  seq: number;
  stepKey: string;
  /** The kind of the refused event. */
  kind: string;
  sqlstate: string;
}

export const unstorableRecord = (e: { incidentId: string; seq: number; stepKey: string; payload: Record<string, unknown> }): UnstorableRecord => ({
  incidentId: e.incidentId,
  seq: e.seq,
  stepKey: e.stepKey,
  kind: String(e.payload.kind),
  sqlstate: String(e.payload.sqlstate),
});

import { createHash } from 'node:crypto';
import type { Pool } from 'pg';
import type { AuditPayload } from '../core/audit/events';
import type { Actor } from '../core/incident/actor';
import { databaseStep } from './database-error';
import type { LedgerEvent } from './event';
import { LedgerStore } from './store';

/** The ledger stream configuration changes are chained under, read like an incident's timeline. */
export const CONFIGURATION_STREAM = '_configuration';

export type AppliedPayload = AuditPayload<'configuration.applied'>;
export type RefusedPayload = AuditPayload<'configuration.refused'>;

const shortHash = (text: string): string => createHash('sha256').update(text).digest('hex').slice(0, 16);

/**
 * Records which policy and rules files are in force, and the changes refused, under a stream of
 * their own. Every API replica watches the same file and sees the same change, so each record
 * is written once whatever the number of replicas: its step key (the ledger's idempotency key)
 * is derived from the file, the content's SHA-256 and the ledger's latest `configuration.applied`
 * of that file, which every replica reads alike. Two replicas that see the same change compute
 * the same key, and the second append returns the first one's event; a replica that comes later
 * finds the content already the latest and writes nothing. A file changed back (A, B, A) is
 * recorded again, since the latest before it differs.
 */
export class ConfigurationRecord {
  private readonly store: LedgerStore;

  constructor(private readonly db: Pool) {
    this.store = new LedgerStore(db);
  }

  /** The latest content of `file` recorded as applied: its SHA-256 and the event's hash. */
  private async latestApplied(file: string): Promise<{ sha256: string; hash: string } | undefined> {
    const r = await databaseStep('read the configuration record', () =>
      this.db.query<{ sha256: string; hash: string }>(
        `SELECT payload->>'sha256' AS sha256, hash FROM ledger_events
         WHERE incident_id = $1 AND kind = 'configuration.applied' AND payload->>'file' = $2
         ORDER BY seq DESC LIMIT 1`,
        [CONFIGURATION_STREAM, file],
      ),
    );
    return r.rows[0];
  }

  /** Records that this content is in force; undefined when the ledger already says so (another replica, or an earlier start, recorded it). */
  async applied(payload: Omit<AppliedPayload, 'previousSha256'>, at: Date, actor: Actor): Promise<LedgerEvent | undefined> {
    const latest = await this.latestApplied(payload.file);
    if (latest?.sha256 === payload.sha256) return undefined;
    return this.store.append({
      incidentId: CONFIGURATION_STREAM,
      stepKey: `${CONFIGURATION_STREAM}/${shortHash(payload.file)}/applied/${payload.sha256}/after/${latest?.hash ?? 'none'}`,
      kind: 'configuration.applied',
      occurredAt: at.toISOString(),
      actor,
      payload: { ...payload, ...(latest ? { previousSha256: latest.sha256 } : {}) },
    });
  }

  /** Records that this content (or an unreadable file) was refused; once per content between two applied versions. */
  async refused(payload: RefusedPayload, at: Date, actor: Actor): Promise<LedgerEvent> {
    const latest = await this.latestApplied(payload.file);
    const what = payload.sha256 ?? `unreadable-${shortHash(payload.reason)}`;
    return this.store.append({
      incidentId: CONFIGURATION_STREAM,
      stepKey: `${CONFIGURATION_STREAM}/${shortHash(payload.file)}/refused/${what}/after/${latest?.hash ?? 'none'}`,
      kind: 'configuration.refused',
      occurredAt: at.toISOString(),
      actor,
      payload,
    });
  }
}

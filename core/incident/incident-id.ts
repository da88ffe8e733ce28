import { createHash } from 'node:crypto';
import type { Alert } from '../alerts/alert';

/**
 * A dedup key that held personal data is kept as this prefix and the digest the incident id
 * is made of (see keptAlert): the incident stays the same, the key's text is not stored.
 * A key sent with this prefix is refused at intake, so a pseudonym is always Klaxon's own.
 */
export const PSEUDONYMOUS_KEY_PREFIX = 'klaxon-pseudonym:';

function keyDigest(tenant: string, dedupKey: string): string {
  return createHash('sha256').update(`${tenant}\n${dedupKey}`).digest('hex');
}

/**
 * The incident (workflow) id for an alert: stable for a tenant and dedup key, so a repeated
 * alert joins the open incident. The key is hashed because it may be long or contain anything;
 * a pseudonymous key carries that hash, so it names the incident its original key named.
 */
export function incidentIdFor(alert: Pick<Alert, 'tenant' | 'dedupKey'>): string {
  const digest = alert.dedupKey.startsWith(PSEUDONYMOUS_KEY_PREFIX) ? alert.dedupKey.slice(PSEUDONYMOUS_KEY_PREFIX.length) : keyDigest(alert.tenant, alert.dedupKey);
  return `inc-${alert.tenant}-${digest.slice(0, 16)}`;
}

/** The key kept in place of one that holds personal data. */
export function pseudonymousKey(tenant: string, dedupKey: string): string {
  return `${PSEUDONYMOUS_KEY_PREFIX}${keyDigest(tenant, dedupKey)}`;
}

/**
 * Whether `incidentId` is an incident of one of `tenants`, read from the id itself (see
 * incidentIdFor): exact, so tenant `acme` does not own `inc-acme-eu-…`, and answerable without
 * asking Temporal or the ledger whether the incident exists.
 */
export function isIncidentOf(incidentId: string, tenants: readonly string[]): boolean {
  return tenants.some((t) => incidentId.startsWith(`inc-${t}-`) && /^[0-9a-f]{16}$/.test(incidentId.slice(`inc-${t}-`.length)));
}

import { createHash } from 'node:crypto';
import type { Alert } from './alert';

/**
 * The incident (workflow) id for an alert: stable for a tenant and dedup key, so a repeated
 * alert joins the open incident. The key is hashed because it may be long or contain anything.
 */
export function incidentIdFor(alert: Pick<Alert, 'tenant' | 'dedupKey'>): string {
  const digest = createHash('sha256').update(`${alert.tenant}\n${alert.dedupKey}`).digest('hex');
  return `inc-${alert.tenant}-${digest.slice(0, 16)}`;
}

/**
 * Whether `incidentId` is an incident of one of `tenants`, read from the id itself (see
 * incidentIdFor): exact, so tenant `acme` does not own `inc-acme-eu-…`, and answerable without
 * asking Temporal or the ledger whether the incident exists.
 */
export function isIncidentOf(incidentId: string, tenants: readonly string[]): boolean {
  return tenants.some((t) => incidentId.startsWith(`inc-${t}-`) && /^[0-9a-f]{16}$/.test(incidentId.slice(`inc-${t}-`.length)));
}

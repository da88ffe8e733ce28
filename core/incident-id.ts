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

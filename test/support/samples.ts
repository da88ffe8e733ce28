import type { Alert } from '../../core/alerts/alert';
import { defaultPolicy, parseResponders } from '../../core/policy/policy';

/** The two-level ladder most tests use: alice (Berlin), then bob (New York), five minutes each. */
export const samplePolicy = defaultPolicy(parseResponders('alice:U0ALICE:Europe/Berlin,bob:U0BOB:America/New_York'), 5);

/** An alert of tenant acme; its title carries an e-mail address, as leak alerts do. */
export function sampleAlert(over: Partial<Alert> = {}): Alert {
  return {
    source: 'generic',
    title: 'Emails of jane@example.com visible to tenant globex',
    severity: 'SEV2',
    dedupKey: 'k',
    tenant: 'acme',
    dataCategories: ['personal-data'],
    details: {},
    deliveryId: 'd1',
    receivedAt: '2026-11-24T10:00:00.000Z',
    ...over,
  };
}

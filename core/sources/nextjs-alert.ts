import type { Alert } from '../alerts/alert';
import { cutTitle, TEXT_LIMITS } from '../shared/free-text';
import { deliveryIdOf } from './delivery-id';

/** What every kind's alerts share: the delivery they came in, and the tenant of reports that name none. */
export interface NextjsContext {
  deliveryId(...parts: string[]): string;
  receivedAt: string;
  defaultTenant: string;
}

/** An alert of this source, its dedup key kept within what Klaxon stores. */
export function nextjsAlert(fields: Pick<Alert, 'title' | 'severity' | 'dedupKey' | 'tenant' | 'dataCategories' | 'details' | 'deliveryId'>, context: NextjsContext): Alert {
  return { source: 'nextjs', ...fields, title: cutTitle(fields.title), dedupKey: boundedKey(fields.dedupKey), receivedAt: context.receivedAt };
}

/** Labels for classification rules (`match.labels`): only the values that are present. */
export function labelsOf(values: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).filter((e): e is [string, string] => e[1] !== undefined));
}

/**
 * A path as a route template: segments that identify a record or a person (numbers, UUIDs, long
 * hex ids, anything with an `@`) become `:id`. Titles, labels and keys carry the route, and the
 * browser reports `location.pathname` (`/customers/48213/invoices`): one incident per route,
 * and no customer's id in a title that Slack and e-mail show.
 */
const ID_SEGMENT = /^(?:\d+|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{16,})$/i;
export function routeTemplate(path: string): string {
  return path
    .split('/')
    .map((segment) => (ID_SEGMENT.test(segment) || segment.includes('@') || /%40/i.test(segment) ? ':id' : segment))
    .join('/');
}

/**
 * Keys are built of bounded parts, but an app name, a tenant and a 512-character route together
 * can pass what a key may hold (TEXT_LIMITS.dedupKey): the tail is then replaced by a hash of the
 * whole, so long keys stay distinct and stable.
 */
function boundedKey(key: string): string {
  if (key.length <= TEXT_LIMITS.dedupKey) return key;
  const hash = deliveryIdOf(key);
  // Never half of a surrogate pair (a route may hold any Unicode): no record could store it.
  return `${key.slice(0, TEXT_LIMITS.dedupKey - hash.length - 1).replace(/[\ud800-\udbff]$/, '')}~${hash}`;
}

import { z } from 'zod';
import { deliveryIdOf } from './delivery-id';

/**
 * The `grouping` section of the rules file: whether an Alertmanager or Grafana notification
 * group is one incident (`per-group`, the default: what `group_by` is for) or each of its
 * alerts is its own (`per-alert`, Klaxon's behaviour before groups were honoured).
 *
 * ```yaml
 * grouping: { alertmanager: per-group, grafana: per-alert }
 * ```
 */
export const GROUPED_SOURCES = ['alertmanager', 'grafana'] as const;
export type GroupedSource = (typeof GROUPED_SOURCES)[number];
export const GROUPINGS = ['per-group', 'per-alert'] as const;
export type Grouping = (typeof GROUPINGS)[number];

const grouping = z.enum(GROUPINGS);
export const groupingSchema = z.object({ alertmanager: grouping.optional(), grafana: grouping.optional() }).strict().default({});

/**
 * The dedup key of a group's incident. The group key is hashed: Alertmanager builds it from
 * the route and the `group_by` label values, so it may be long or hold personal data; the
 * key as sent stays readable in the incident's group and in the alerts' details. The incident
 * id adds the tenant (core/incident/incident-id.ts), so a group whose alerts classify to several
 * tenants is one incident per tenant: a tenant never sees another tenant's alerts.
 */
export function groupDedupKey(source: string, groupKey: string): string {
  return `${source}:group:${deliveryIdOf(groupKey)}`;
}

import { z } from 'zod';
import { describeIssues, isValidTenant, MAX_TITLE_LENGTH, type Alert } from '../alerts/alert';
import { groupDedupKey, type GroupedSource } from './grouping';
import { listOf, sameSecret, severityFrom } from './shared';
import { deliveryIdOf } from './delivery-id';
import { parseJsonBody, SourceRejection, type AlertSource, type SourceRequest, type SourceResult, type SourceSettings } from './source';

/**
 * What Alertmanager and Grafana Alerting share: a webhook carrying a group of alerts, each
 * with status, labels, annotations, start and end, and a fingerprint.
 */
const labels = z.record(z.string(), z.string());
export const alertItemSchema = z.object({
  status: z.enum(['firing', 'resolved']),
  labels,
  annotations: labels.default({}),
  startsAt: z.string(),
  endsAt: z.string().optional(),
  generatorURL: z.string().optional(),
  fingerprint: z.string().optional(),
});
type AlertItem = z.infer<typeof alertItemSchema>;

/** Parses the body with `schema`, answering 422 with the fields that are wrong. */
export function parsePayload<T>(schema: z.ZodType<T>, req: SourceRequest, what: string): T {
  const parsed = schema.safeParse(parseJsonBody(req.rawBody));
  if (!parsed.success) {
    const problems = describeIssues(parsed.error);
    throw new SourceRejection(422, `invalid ${what} payload: ${problems.join('; ')}`, problems);
  }
  return parsed.data;
}

/** `Authorization: Bearer <token>` or Basic auth, as these tools' HTTP settings send. */
export function authorize(req: SourceRequest, credentials: { token?: string; basic?: string }): void {
  const given = req.header('authorization');
  if (!given) throw new SourceRejection(401, 'missing Authorization header (bearer token or basic auth)');
  const ok =
    (credentials.token !== undefined && sameSecret(given, `Bearer ${credentials.token}`)) ||
    (credentials.basic !== undefined && sameSecret(given, `Basic ${Buffer.from(credentials.basic).toString('base64')}`));
  if (!ok) throw new SourceRejection(401, 'Authorization header does not match the configured credentials');
}

/**
 * The alerts of one notification. Labels name the tenant (`klaxon_tenant` or `tenant`), the
 * severity (`klaxon_severity` or `severity`) and data categories (`klaxon_data_categories`).
 *
 * Per group (the default, when the tool sends a `groupKey`): every alert of the group has the
 * group's dedup key, so the group is one incident, and carries its fingerprint and `startsAt`
 * as a member (core/alerts/alert-group.ts), which the incident counts once however often the tool
 * re-sends the group. Per alert (`grouping` in the rules file): the fingerprint is the key.
 * Either way the tenant is each alert's own, and the incident id includes it: members of one
 * group that belong to different tenants open one incident per tenant (see groupDedupKey).
 * A delivery is fingerprint, status and start, so a repeat of the group is not counted twice.
 */
export function alertsOf(source: GroupedSource, items: AlertItem[], group: { groupKey?: string; context: Record<string, unknown> }, req: SourceRequest, settings: SourceSettings): SourceResult {
  const result: SourceResult = { alerts: [], resolutions: [] };
  const groupKey = (settings.grouping?.[source] ?? 'per-group') === 'per-group' ? group.groupKey : undefined;
  for (const a of items) {
    const fingerprint = a.fingerprint ?? deliveryIdOf(JSON.stringify(Object.entries(a.labels).sort()));
    const label = a.labels.klaxon_tenant ?? a.labels.tenant;
    const tenant = isValidTenant(label) ? label : undefined;
    const dedupKey = groupKey === undefined ? `${source}:${fingerprint}` : groupDedupKey(source, groupKey);
    const deliveryId = deliveryIdOf(source, fingerprint, a.status, a.startsAt);
    const title = (a.annotations.summary ?? a.labels.alertname ?? `${source} alert`).slice(0, MAX_TITLE_LENGTH);
    if (a.status === 'resolved') {
      result.resolutions.push({
        source, title, labels: a.labels, tenant: tenant ?? settings.defaultTenant, dedupKey, deliveryId, resolvedAt: a.endsAt ?? req.receivedAt.toISOString(),
        ...(groupKey === undefined ? {} : { member: { fingerprint, startsAt: a.startsAt } }),
      });
      continue;
    }
    const alert: Alert = {
      source,
      title,
      severity: severityFrom(a.labels.klaxon_severity ?? a.labels.severity),
      dedupKey,
      tenant: tenant ?? settings.defaultTenant,
      dataCategories: listOf(a.labels.klaxon_data_categories),
      details: {
        labels: a.labels,
        annotations: a.annotations,
        startsAt: a.startsAt,
        generatorURL: a.generatorURL,
        ...group.context,
        ...(tenant ? {} : { triage: `no usable tenant label (${label ?? 'none'}): assigned to the default tenant` }),
      },
      deliveryId,
      receivedAt: req.receivedAt.toISOString(),
      ...(groupKey === undefined ? {} : { member: { groupKey, fingerprint, startsAt: a.startsAt } }),
    };
    result.alerts.push(alert);
  }
  return result;
}

/** A source of this family: its payload schema, credential variables and the group context it keeps. */
export function prometheusStyleSource<T extends { alerts: AlertItem[]; groupKey?: string }>(spec: {
  name: GroupedSource;
  /** The tool's name in error messages. */
  tool: string;
  tokenVariable: string;
  basicAuthVariable: string;
  schema: z.ZodType<T>;
  context: (payload: T) => Record<string, unknown>;
}): AlertSource {
  return {
    name: spec.name,
    secretVariables: [spec.tokenVariable, spec.basicAuthVariable],
    requires: 'any',
    receive(req, settings) {
      authorize(req, { token: settings.secrets[spec.tokenVariable], basic: settings.secrets[spec.basicAuthVariable] });
      const payload = parsePayload(spec.schema, req, spec.tool);
      return alertsOf(spec.name, payload.alerts, { groupKey: payload.groupKey, context: spec.context(payload) }, req, settings);
    },
  };
}

import { z } from 'zod';
import { describeIssues, isValidTenant, MAX_TITLE_LENGTH, type Alert } from '../alert';
import { listOf, sameSecret, severityFrom } from './shared';
import { deliveryIdOf, parseJsonBody, SourceRejection, type AlertSource, type SourceResolution, type SourceSettings, type SourceRequest } from './source';

/**
 * Prometheus Alertmanager's webhook receiver, payload version 4: one request per alert group,
 * each alert with its own status and fingerprint.
 * https://prometheus.io/docs/alerting/latest/configuration/#webhook_config
 */
const labels = z.record(z.string(), z.string());
const payloadSchema = z.object({
  version: z.literal('4'),
  groupKey: z.string(),
  status: z.enum(['firing', 'resolved']),
  receiver: z.string(),
  externalURL: z.string().optional(),
  alerts: z
    .array(
      z.object({
        status: z.enum(['firing', 'resolved']),
        labels,
        annotations: labels.default({}),
        startsAt: z.string(),
        endsAt: z.string().optional(),
        generatorURL: z.string().optional(),
        fingerprint: z.string().optional(),
      }),
    )
    .min(1),
});

/** Alertmanager's `http_config` sends `Authorization: Bearer <credentials>` or Basic auth. */
function authenticate(req: SourceRequest, settings: SourceSettings): void {
  const given = req.header('authorization');
  if (!given) throw new SourceRejection(401, 'missing Authorization header (bearer token or basic auth)');
  const token = settings.secrets.KLAXON_ALERTMANAGER_TOKEN;
  const basic = settings.secrets.KLAXON_ALERTMANAGER_BASIC_AUTH;
  const ok =
    (token !== undefined && sameSecret(given, `Bearer ${token}`)) ||
    (basic !== undefined && sameSecret(given, `Basic ${Buffer.from(basic).toString('base64')}`));
  if (!ok) throw new SourceRejection(401, 'Authorization header does not match the configured credentials');
}

export const alertmanagerSource: AlertSource = {
  name: 'alertmanager',
  secretVariables: ['KLAXON_ALERTMANAGER_TOKEN', 'KLAXON_ALERTMANAGER_BASIC_AUTH'],
  requires: 'any',
  receive(req, settings) {
    authenticate(req, settings);
    const parsed = payloadSchema.safeParse(parseJsonBody(req.rawBody));
    if (!parsed.success) {
      const problems = describeIssues(parsed.error);
      throw new SourceRejection(422, `invalid Alertmanager payload: ${problems.join('; ')}`, problems);
    }
    const p = parsed.data;
    const alerts: Alert[] = [];
    const resolutions: SourceResolution[] = [];
    for (const a of p.alerts) {
      const fingerprint = a.fingerprint ?? deliveryIdOf(JSON.stringify(Object.entries(a.labels).sort()));
      const label = a.labels.klaxon_tenant ?? a.labels.tenant;
      const tenant = isValidTenant(label) ? label : undefined;
      const dedupKey = `alertmanager:${fingerprint}`;
      const deliveryId = deliveryIdOf('alertmanager', fingerprint, a.status, a.startsAt);
      if (a.status === 'resolved') {
        resolutions.push({ source: 'alertmanager', tenant: tenant ?? settings.defaultTenant, dedupKey, deliveryId, resolvedAt: a.endsAt ?? req.receivedAt.toISOString() });
        continue;
      }
      alerts.push({
        source: 'alertmanager',
        title: (a.annotations.summary ?? a.labels.alertname ?? 'Alertmanager alert').slice(0, MAX_TITLE_LENGTH),
        severity: severityFrom(a.labels.klaxon_severity ?? a.labels.severity),
        dedupKey,
        tenant: tenant ?? settings.defaultTenant,
        dataCategories: listOf(a.labels.klaxon_data_categories),
        details: {
          labels: a.labels,
          annotations: a.annotations,
          startsAt: a.startsAt,
          generatorURL: a.generatorURL,
          receiver: p.receiver,
          groupKey: p.groupKey,
          ...(tenant ? {} : { triage: `no usable tenant label (${label ?? 'none'}): assigned to the default tenant` }),
        },
        deliveryId,
        receivedAt: req.receivedAt.toISOString(),
      });
    }
    return { alerts, resolutions };
  },
};

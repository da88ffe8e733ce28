import { z } from 'zod';
import { alertItemSchema, prometheusStyleSource } from './prometheus-style';
import { deliveryIdOf } from './delivery-id';
import { parseJsonBody, type AlertSource } from './source';

/**
 * Grafana Alerting's webhook contact point (payload version 1): Alertmanager's shape plus
 * Grafana's own fields (values, dashboard and panel links). Authenticated by the contact
 * point's Authorization header (scheme Bearer) or its basic auth.
 * https://grafana.com/docs/grafana/latest/alerting/configure-notifications/manage-contact-points/integrations/webhook-notifier/
 */
const payloadSchema = z.object({
  receiver: z.string(),
  status: z.enum(['firing', 'resolved']),
  orgId: z.number().optional(),
  groupKey: z.string().optional(),
  externalURL: z.string().optional(),
  alerts: z
    .array(
      alertItemSchema.extend({
        dashboardURL: z.string().optional(),
        panelURL: z.string().optional(),
        values: z.record(z.string(), z.unknown()).nullish(),
      }),
    ),
});

const grafanaAlerts = prometheusStyleSource({
  name: 'grafana',
  tool: 'Grafana',
  tokenVariable: 'KLAXON_GRAFANA_TOKEN',
  basicAuthVariable: 'KLAXON_GRAFANA_BASIC_AUTH',
  schema: payloadSchema,
  context: (p) => ({ receiver: p.receiver, orgId: p.orgId, externalURL: p.externalURL, groupKey: p.groupKey }),
});

/**
 * The alert Grafana sends from a contact point's "Test" button carries these labels (and the
 * annotation `summary: Notification test`, which the Test dialog lets one override, so it is not
 * relied on): grafana/alerting, notify/testreceivers.go, newTestAlert.
 */
const isTestAlert = (a: { labels: Record<string, string> }) => a.labels.alertname === 'TestAlert' && a.labels.instance === 'Grafana';

export const grafanaSource: AlertSource = {
  ...grafanaAlerts,
  receive(req, settings) {
    const result = grafanaAlerts.receive(req, settings);
    // Authenticated and valid by now; a delivery of test alerts only is the contact point's test.
    const alerts = payloadSchema.safeParse(parseJsonBody(req.rawBody)).data?.alerts ?? [];
    if (alerts.length === 0 || !alerts.every(isTestAlert)) return result;
    return { alerts: [], resolutions: [], tests: [{ source: 'grafana', recognisedAs: 'Grafana contact-point test (alertname TestAlert, instance Grafana)', deliveryId: deliveryIdOf('grafana-test', req.rawBody), receivedAt: req.receivedAt.toISOString() }] };
  },
};

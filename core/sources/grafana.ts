import { z } from 'zod';
import { alertItemSchema, prometheusStyleSource } from './prometheus-style';

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
    )
    .min(1),
});

export const grafanaSource = prometheusStyleSource({
  name: 'grafana',
  tool: 'Grafana',
  tokenVariable: 'KLAXON_GRAFANA_TOKEN',
  basicAuthVariable: 'KLAXON_GRAFANA_BASIC_AUTH',
  schema: payloadSchema,
  context: (p) => ({ receiver: p.receiver, orgId: p.orgId, externalURL: p.externalURL, groupKey: p.groupKey }),
});

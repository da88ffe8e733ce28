import { z } from 'zod';
import { alertItemSchema, alertsOf, authorize, parsePayload } from './prometheus-style';
import type { AlertSource } from './source';

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

export const grafanaSource: AlertSource = {
  name: 'grafana',
  secretVariables: ['KLAXON_GRAFANA_TOKEN', 'KLAXON_GRAFANA_BASIC_AUTH'],
  requires: 'any',
  receive(req, settings) {
    authorize(req, { token: settings.secrets.KLAXON_GRAFANA_TOKEN, basic: settings.secrets.KLAXON_GRAFANA_BASIC_AUTH });
    const p = parsePayload(payloadSchema, req, 'Grafana');
    return alertsOf('grafana', p.alerts, { receiver: p.receiver, orgId: p.orgId, externalURL: p.externalURL }, req, settings);
  },
};

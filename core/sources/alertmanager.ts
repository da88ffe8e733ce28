import { z } from 'zod';
import { alertItemSchema, alertsOf, authorize, parsePayload } from './prometheus-style';
import type { AlertSource } from './source';

/**
 * Prometheus Alertmanager's webhook receiver, payload version 4: one request per alert group.
 * https://prometheus.io/docs/alerting/latest/configuration/#webhook_config
 */
const payloadSchema = z.object({
  version: z.literal('4'),
  groupKey: z.string(),
  status: z.enum(['firing', 'resolved']),
  receiver: z.string(),
  externalURL: z.string().optional(),
  alerts: z.array(alertItemSchema).min(1),
});

export const alertmanagerSource: AlertSource = {
  name: 'alertmanager',
  secretVariables: ['KLAXON_ALERTMANAGER_TOKEN', 'KLAXON_ALERTMANAGER_BASIC_AUTH'],
  requires: 'any',
  receive(req, settings) {
    authorize(req, { token: settings.secrets.KLAXON_ALERTMANAGER_TOKEN, basic: settings.secrets.KLAXON_ALERTMANAGER_BASIC_AUTH });
    const p = parsePayload(payloadSchema, req, 'Alertmanager');
    return alertsOf('alertmanager', p.alerts, { receiver: p.receiver, groupKey: p.groupKey }, req, settings);
  },
};

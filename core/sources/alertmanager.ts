import { z } from 'zod';
import { alertItemSchema, prometheusStyleSource } from './prometheus-style';

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
  // An empty group is accepted and answered as ignored, with the reason (client/api/alerts.ts).
  alerts: z.array(alertItemSchema),
});

export const alertmanagerSource = prometheusStyleSource({
  name: 'alertmanager',
  tool: 'Alertmanager',
  tokenVariable: 'KLAXON_ALERTMANAGER_TOKEN',
  basicAuthVariable: 'KLAXON_ALERTMANAGER_BASIC_AUTH',
  schema: payloadSchema,
  context: (p) => ({ receiver: p.receiver, groupKey: p.groupKey }),
});

import { z } from 'zod';
import { isValidTenant, MAX_TITLE_LENGTH } from '../alert';
import { authorize, parsePayload } from './prometheus-style';
import { severityFrom } from './shared';
import { deliveryIdOf, type AlertSource } from './source';

/**
 * Datadog's webhook integration with the payload template below pasted into the webhook's
 * "Payload" field and the custom header `{"Authorization": "Bearer <KLAXON_DATADOG_TOKEN>"}`.
 * Datadog fills the `$` variables per notification.
 * https://docs.datadoghq.com/integrations/webhooks/
 */
export const DATADOG_PAYLOAD_TEMPLATE = {
  id: '$ID',
  title: '$EVENT_TITLE',
  transition: '$ALERT_TRANSITION',
  alertId: '$ALERT_ID',
  cycleKey: '$ALERT_CYCLE_KEY',
  aggregKey: '$AGGREG_KEY',
  priority: '$ALERT_PRIORITY',
  tags: '$TAGS',
  link: '$LINK',
  date: '$DATE',
  hostname: '$HOSTNAME',
  orgId: '$ORG_ID',
};

const payloadSchema = z.object({
  id: z.string().min(1),
  title: z.string().min(1),
  transition: z.string().min(1),
  alertId: z.string().min(1),
  cycleKey: z.string().optional(),
  aggregKey: z.string().optional(),
  priority: z.string().optional(),
  tags: z.string().default(''),
  link: z.string().optional(),
  date: z.string().optional(),
  hostname: z.string().optional(),
  orgId: z.string().optional(),
});

/** `$TAGS` is `key:value,key:value,plain`; a key may repeat. */
function tagsOf(tags: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const tag of tags.split(',').map((t) => t.trim()).filter(Boolean)) {
    const i = tag.indexOf(':');
    const [k, v] = i < 0 ? [tag, ''] : [tag.slice(0, i), tag.slice(i + 1)];
    out.set(k, [...(out.get(k) ?? []), v]);
  }
  return out;
}

const PRIORITY = new Map(Object.entries({ P1: 'SEV1', P2: 'SEV2', P3: 'SEV3', P4: 'SEV4', P5: 'SEV4' }));

export const datadogSource: AlertSource = {
  name: 'datadog',
  secretVariables: ['KLAXON_DATADOG_TOKEN'],
  requires: 'all',
  receive(req, settings) {
    authorize(req, { token: settings.secrets.KLAXON_DATADOG_TOKEN });
    const p = parsePayload(payloadSchema, req, 'Datadog');
    const tags = tagsOf(p.tags);
    const label = tags.get('tenant')?.[0];
    const tenant = isValidTenant(label) ? label : settings.defaultTenant;
    // A multi-alert monitor notifies per group ($AGGREG_KEY); each group is its own incident.
    const dedupKey = `datadog:${p.alertId}:${p.aggregKey || 'monitor'}`;
    // $ID names one notification: Datadog's retries of it carry the same.
    const deliveryId = deliveryIdOf('datadog', p.id);
    const receivedAt = req.receivedAt.toISOString();
    // Tags as labels, so classification rules match them as they match Alertmanager's labels.
    const labels = Object.fromEntries([...tags].map(([k, v]) => [k, v[0]]));
    const title = p.title.slice(0, MAX_TITLE_LENGTH);
    if (/^recovered$/i.test(p.transition)) {
      return { alerts: [], resolutions: [{ source: 'datadog', title, labels, tenant, dedupKey, deliveryId, resolvedAt: receivedAt }] };
    }
    return {
      alerts: [
        {
          source: 'datadog',
          title,
          severity: severityFrom(tags.get('klaxon_severity')?.[0] ?? PRIORITY.get(p.priority?.toUpperCase() ?? ''), 'SEV3'),
          dedupKey,
          tenant,
          dataCategories: tags.get('klaxon_data_category') ?? [],
          details: {
            labels,
            transition: p.transition,
            monitor: p.alertId,
            group: p.aggregKey,
            priority: p.priority,
            link: p.link,
            hostname: p.hostname,
            ...(tenant === label ? {} : { triage: `no usable tenant tag (${label ?? 'none'}): assigned to the default tenant` }),
          },
          deliveryId,
          receivedAt,
        },
      ],
      resolutions: [],
    };
  },
};

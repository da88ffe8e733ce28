import { z } from 'zod';
import { isValidTenant, MAX_TITLE_LENGTH, type Alert } from '../alerts/alert';
import { SEVERITIES, type Severity } from '../alerts/severity';
import { parseDatadogTitle } from './datadog-title';
import { authorize, parsePayload } from './prometheus-style';
import { severityFrom } from './shared';
import { deliveryIdOf } from './delivery-id';
import { parseJsonBody, type AlertSource, type SourceRequest, type SourceResult, type SourceSettings } from './source';

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

const templateSchema = z.object({
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

/**
 * What Datadog sends when the webhook's Payload field is left empty (the webhooks page's default):
 * `body` ($EVENT_MSG), `last_updated`, `event_type`, `title` ($EVENT_TITLE), `date`, `org` and
 * `id` ($ID). No monitor id, transition, priority or tags: those are read from the title's
 * prefix where it has them. `body` is the operator's message text and is not kept.
 */
const defaultSchema = z.object({
  id: z.string().min(1),
  title: z.string().min(1),
  event_type: z.string().optional(),
  body: z.string().optional(),
  last_updated: z.string().optional(),
  date: z.string().optional(),
  org: z.object({ id: z.string().optional(), name: z.string().optional() }).partial().optional(),
});

/** `$TAGS` (and a title's scope) is `key:value,key:value,plain`; a key may repeat. */
function tagsOf(tags: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const tag of tags.split(',').map((t) => t.trim()).filter(Boolean)) {
    const i = tag.indexOf(':');
    const [k, v] = i < 0 ? [tag, ''] : [tag.slice(0, i), tag.slice(i + 1)];
    out.set(k, [...(out.get(k) ?? []), v]);
  }
  return out;
}

const atMost = (cap: Severity, s: Severity): Severity => SEVERITIES[Math.max(SEVERITIES.indexOf(cap), SEVERITIES.indexOf(s))];

const PRIORITY = new Map(Object.entries({ P1: 'SEV1', P2: 'SEV2', P3: 'SEV3', P4: 'SEV4', P5: 'SEV4' }));

/**
 * What each `$ALERT_TRANSITION` does. Triggered, Re-Triggered and Renotify are the alert (again):
 * an incident, or the open one joined. Warn and Re-Warn cross the warning threshold only: an
 * incident too, but at SEV3 at most. Recovered resolves. No Data says the monitor cannot see,
 * not that anything leaked, and Null carries no state: both are recorded, never paged. A
 * transition Datadog may add later is taken as an alert flagged for triage (never dropped).
 */
type Effect = 'alert' | 'warn' | 'resolve' | { ignore: string };
const EFFECTS = new Map<string, Effect>([
  ['triggered', 'alert'],
  ['re-triggered', 'alert'],
  ['renotify', 'alert'],
  ['warn', 'warn'],
  ['re-warn', 'warn'],
  ['recovered', 'resolve'],
  ['no data', { ignore: 'No Data: the monitor has no data to evaluate' }],
  ['re-no data', { ignore: 'No Data: the monitor has no data to evaluate' }],
  ['null', { ignore: 'transition Null: no state to act on' }],
]);

/** One notification as Klaxon reads it, from the template or from the default payload. */
interface Notification {
  id: string;
  name: string;
  transition?: string;
  test: boolean;
  dedupKey: string;
  tags: Map<string, string[]>;
  priority?: string;
  details: Record<string, unknown>;
  /** What the payload lacked, for triage. */
  missing?: string;
}

function fromTemplate(p: z.infer<typeof templateSchema>): Notification {
  const title = parseDatadogTitle(p.title);
  return {
    id: p.id,
    name: title.name || p.title,
    transition: p.transition,
    test: title.test,
    // A multi-alert monitor notifies per group ($AGGREG_KEY); each group is its own incident.
    dedupKey: `datadog:${p.alertId}:${p.aggregKey || 'monitor'}`,
    tags: tagsOf(p.tags),
    priority: p.priority,
    details: { monitor: p.alertId, group: p.aggregKey, priority: p.priority, link: p.link, hostname: p.hostname },
  };
}

function fromDefault(p: z.infer<typeof defaultSchema>): Notification {
  const title = parseDatadogTitle(p.title);
  const name = title.name || p.title;
  return {
    id: p.id,
    name,
    transition: title.transition,
    test: title.test,
    // No monitor id: the name and the group's scope stand for it, so a recovery titled
    // "[Recovered on {same scope}] same name" finds the incident its trigger opened.
    dedupKey: `datadog:title:${name}:${title.scope ?? ''}`,
    tags: tagsOf(title.scope ?? ''),
    details: { eventType: p.event_type, org: p.org?.id, date: p.date },
    missing: "Datadog's default payload (no monitor id, priority or tags): keyed by the monitor's name and scope, severity SEV3; paste Klaxon's payload template",
  };
}

/** The template when the body has a `transition` (as the template does), else the default payload. */
function notificationOf(req: SourceRequest): Notification {
  const body = parseJsonBody(req.rawBody);
  const isTemplate = typeof body !== 'object' || body === null || Array.isArray(body) || 'transition' in body || !('event_type' in body || 'body' in body || 'last_updated' in body);
  return isTemplate ? fromTemplate(parsePayload(templateSchema, req, 'Datadog')) : fromDefault(parsePayload(defaultSchema, req, 'Datadog (default payload)'));
}

export const datadogSource: AlertSource = {
  name: 'datadog',
  secretVariables: ['KLAXON_DATADOG_TOKEN'],
  requires: 'all',
  receive(req, settings) {
    authorize(req, { token: settings.secrets.KLAXON_DATADOG_TOKEN });
    return resultOf(notificationOf(req), req, settings);
  },
};

function resultOf(n: Notification, req: SourceRequest, settings: SourceSettings): SourceResult {
  // $ID names one notification: Datadog's retries of it carry the same.
  const deliveryId = deliveryIdOf('datadog', n.id);
  const receivedAt = req.receivedAt.toISOString();
  if (n.test) return { alerts: [], resolutions: [], tests: [{ source: 'datadog', recognisedAs: 'Datadog monitor test notification ([TEST] in the title)', deliveryId, receivedAt }] };
  const label = n.tags.get('tenant')?.[0];
  const tenant = isValidTenant(label) ? label : settings.defaultTenant;
  // Tags as labels, so classification rules match them as they match Alertmanager's labels.
  const labels = Object.fromEntries([...n.tags].map(([k, v]) => [k, v[0]]));
  const title = n.name.slice(0, MAX_TITLE_LENGTH);
  const dedupKey = n.dedupKey;
  const effect = n.transition === undefined ? undefined : EFFECTS.get(n.transition.toLowerCase());
  if (effect === 'resolve') return { alerts: [], resolutions: [{ source: 'datadog', title, labels, tenant, dedupKey, deliveryId, resolvedAt: receivedAt }] };
  if (typeof effect === 'object') return { alerts: [], resolutions: [], ignored: [{ reason: effect.ignore, about: { title, labels, tenant, dedupKey }, deliveryId }] };
  const severity = severityFrom(n.tags.get('klaxon_severity')?.[0] ?? PRIORITY.get(n.priority?.toUpperCase() ?? ''), 'SEV3');
  const triage = [
    n.missing,
    effect === undefined ? (n.transition === undefined ? 'no transition in the title: taken as an alert' : 'a transition Klaxon does not know: taken as an alert') : undefined,
    tenant === label ? undefined : `no usable tenant tag (${label ?? 'none'}): assigned to the default tenant`,
  ].filter(Boolean);
  const alert: Alert = {
    source: 'datadog',
    title,
    // A warning threshold is not the alert threshold: at most SEV3, whatever the priority says.
    severity: effect === 'warn' ? atMost('SEV3', severity) : severity,
    dedupKey,
    tenant,
    dataCategories: n.tags.get('klaxon_data_category') ?? [],
    details: { labels, transition: n.transition, ...n.details, ...(triage.length ? { triage: triage.join('; ') } : {}) },
    deliveryId,
    receivedAt,
  };
  return { alerts: [alert], resolutions: [] };
}

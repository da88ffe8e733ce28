import { createHmac } from 'node:crypto';
import { z } from 'zod';
import { describeIssues, isValidTenant, MAX_TITLE_LENGTH, type Alert } from '../alerts/alert';
import { REPLAY_MEMORY_SECONDS } from '../shared/signature';
import type { Severity } from '../alerts/severity';
import { sameSecret, severityFrom } from './shared';
import { deliveryIdOf } from './delivery-id';
import { parseJsonBody, SourceRejection, type AlertSource, type SourceIgnored, type SourceRequest, type SourceResult, type SourceSettings } from './source';

/**
 * Sentry internal-integration webhooks, by `Sentry-Hook-Resource`: `issue` (created,
 * unresolved → alert; resolved → resolution; assigned, archived → recorded, nothing opened),
 * `event_alert` (an issue alert rule fired → alert), `metric_alert` (critical, warning → alert;
 * resolved → resolution), and `installation`, `comment`, `error` and any other resource
 * (accepted, ignored with the reason). Signed with `Sentry-Hook-Signature`, the hex HMAC-SHA256
 * of the body with the integration's client secret.
 * https://docs.sentry.io/organization/integrations/integration-platform/webhooks/
 */
const issueSchema = z.object({
  id: z.union([z.string(), z.number()]).transform(String),
  title: z.string(),
  culprit: z.string().nullish(),
  level: z.string().nullish(),
  shortId: z.string().nullish(),
  web_url: z.string().nullish(),
  project: z.object({ slug: z.string() }).partial().nullish(),
});
const issuePayload = z.object({ action: z.string(), data: z.object({ issue: issueSchema }) });
const sentryId = z.union([z.string().min(1), z.number()]).transform(String);
/** https://docs.sentry.io/organization/integrations/integration-platform/webhooks/metric-alerts/ */
const metricAlertPayload = z.object({
  action: z.string(),
  data: z.object({
    description_title: z.string().nullish(),
    web_url: z.string().nullish(),
    metric_alert: z.object({
      // The Sentry incident: one per firing of the rule, shared by its critical, warning and resolved.
      id: sentryId,
      alert_rule: z.object({
        id: sentryId,
        name: z.string().min(1),
        aggregate: z.string().nullish(),
        dataset: z.string().nullish(),
        query: z.string().nullish(),
        projects: z.array(z.string()).nullish(),
      }),
    }),
  }),
});
/** Only what names the issue a delivery is about; the rest (comment text, event bodies) is never read. */
const aboutIssue = z.object({ data: z.object({ issue_id: sentryId }) });
const aboutError = z.object({ data: z.object({ error: z.object({ issue_id: sentryId, title: z.string().default('') }) }) });

/**
 * A metric alert's threshold crossing is evidence of trouble, not of a leak: `critical` opens a
 * SEV2 (paged, but below what a fatal event or a rule's SEV1 means), `warning` a SEV3, one step
 * below. A warning reaches Klaxon only when the operator put Klaxon on the rule's warning
 * trigger, so it is an incident, not a record; the critical that may follow joins it and raises
 * its severity. Classification rules (`source: sentry`, title = the rule's name) raise either.
 */
const METRIC_SEVERITY = new Map<string, Severity>([
  ['critical', 'SEV2'],
  ['warning', 'SEV3'],
]);
/** Issue actions that change nothing Klaxon pages on: recorded where an incident is open. */
const QUIET_ISSUE_ACTIONS = new Set(['assigned', 'archived', 'ignored']);
/** Resources that are not alerts, named in the reason (any other is "a resource Klaxon does not know"). */
const NON_ALERT_RESOURCES = new Set(['installation', 'comment', 'error', 'seer', 'preprod_artifact']);
const eventAlertPayload = z.object({
  action: z.string(),
  data: z.object({
    event: z.object({
      title: z.string(),
      level: z.string().nullish(),
      issue_id: z.union([z.string(), z.number()]).transform(String),
      web_url: z.string().nullish(),
      tags: z.array(z.tuple([z.string(), z.string()])).nullish(),
    }),
    triggered_rule: z.string().nullish(),
  }),
});

function authenticate(req: SourceRequest, settings: SourceSettings): void {
  const signature = req.header('sentry-hook-signature');
  if (!signature) throw new SourceRejection(401, 'missing Sentry-Hook-Signature header');
  const expected = createHmac('sha256', settings.secrets.SENTRY_CLIENT_SECRET!).update(req.rawBody).digest('hex');
  if (!sameSecret(signature, expected)) throw new SourceRejection(401, 'Sentry-Hook-Signature does not match the body');
}

function parse<T>(schema: z.ZodType<T>, body: unknown, what: string): T {
  const r = schema.safeParse(body);
  if (!r.success) {
    const problems = describeIssues(r.error);
    throw new SourceRejection(422, `invalid Sentry ${what} payload: ${problems.join('; ')}`, problems);
  }
  return r.data;
}

export const sentrySource: AlertSource = {
  name: 'sentry',
  secretVariables: ['SENTRY_CLIENT_SECRET'],
  requires: 'all',
  replayWindowSeconds: REPLAY_MEMORY_SECONDS.bodyOnly,
  receive(req, settings) {
    authenticate(req, settings);
    const resource = req.header('sentry-hook-resource');
    const body = parseJsonBody(req.rawBody);
    // Of the signed body only: Sentry's retries repeat it, and Request-ID is not signed, so a
    // replay could carry any Request-ID it likes.
    const deliveryId = deliveryIdOf('sentry', req.rawBody);
    const receivedAt = req.receivedAt.toISOString();
    const base = { source: 'sentry', dataCategories: [], deliveryId, receivedAt };

    if (resource === 'issue') {
      const { action, data } = parse(issuePayload, body, 'issue');
      const dedupKey = `sentry:issue:${data.issue.id}`;
      const tenant = settings.defaultTenant;
      const title = data.issue.title.slice(0, MAX_TITLE_LENGTH);
      if (action === 'resolved') return { alerts: [], resolutions: [{ source: 'sentry', title, labels: {}, tenant, dedupKey, deliveryId, resolvedAt: receivedAt }] };
      if (action !== 'created' && action !== 'unresolved') {
        const why = QUIET_ISSUE_ACTIONS.has(action) ? `issue ${action}: not an alert` : 'issue action Klaxon does not know';
        return ignored({ reason: why, about: { title, labels: {}, tenant, dedupKey }, deliveryId });
      }
      const alert: Alert = {
        ...base,
        title,
        severity: severityFrom(data.issue.level ?? undefined),
        dedupKey,
        tenant,
        details: { action, shortId: data.issue.shortId, culprit: data.issue.culprit, project: data.issue.project?.slug, url: data.issue.web_url, triage: 'Sentry issues name no tenant: assigned to the default tenant' },
      };
      return { alerts: [alert], resolutions: [] };
    }
    if (resource === 'event_alert') {
      const { data } = parse(eventAlertPayload, body, 'event_alert');
      const tags = Object.fromEntries(data.event.tags ?? []);
      const tenant = isValidTenant(tags.tenant) ? tags.tenant : settings.defaultTenant;
      const alert: Alert = {
        ...base,
        title: data.event.title.slice(0, MAX_TITLE_LENGTH),
        severity: severityFrom(tags.klaxon_severity ?? data.event.level ?? undefined),
        dedupKey: `sentry:issue:${data.event.issue_id}`,
        tenant,
        details: { labels: tags, rule: data.triggered_rule, url: data.event.web_url, ...(tenant === tags.tenant ? {} : { triage: 'no usable tenant tag: assigned to the default tenant' }) },
      };
      return { alerts: [alert], resolutions: [] };
    }
    if (resource === 'metric_alert') return metricAlert(parse(metricAlertPayload, body, 'metric_alert'), settings, base);
    return nonAlert(resource, body, settings.defaultTenant, deliveryId);
  },
};

const ignored = (...items: SourceIgnored[]): SourceResult => ({ alerts: [], resolutions: [], ignored: items });

function metricAlert({ action, data }: z.infer<typeof metricAlertPayload>, settings: SourceSettings, base: Pick<Alert, 'source' | 'dataCategories' | 'deliveryId' | 'receivedAt'>): SourceResult {
  const rule = data.metric_alert.alert_rule;
  const dedupKey = `sentry:metric_alert:${data.metric_alert.id}`;
  const title = rule.name.slice(0, MAX_TITLE_LENGTH);
  // The rule's facts as labels, so classification rules can match them as they match tags.
  const labels = Object.fromEntries(
    Object.entries({ alert_rule: rule.id, aggregate: rule.aggregate, dataset: rule.dataset, query: rule.query, projects: rule.projects?.join(',') }).filter((e): e is [string, string] => Boolean(e[1])),
  );
  const tenant = settings.defaultTenant;
  if (action === 'resolved') {
    return { alerts: [], resolutions: [{ source: 'sentry', title, labels, tenant, dedupKey, deliveryId: base.deliveryId, resolvedAt: base.receivedAt }] };
  }
  const severity = METRIC_SEVERITY.get(action);
  if (!severity) return ignored({ reason: 'metric alert action Klaxon does not know', about: { title, labels, tenant, dedupKey }, deliveryId: base.deliveryId });
  const alert: Alert = {
    ...base,
    title,
    severity,
    dedupKey,
    tenant,
    details: { labels, action, sentryIncident: data.metric_alert.id, description: data.description_title, url: data.web_url, triage: 'Sentry metric alerts name no tenant: assigned to the default tenant' },
  };
  return { alerts: [alert], resolutions: [] };
}

/** Installation, comment, error and other resources: accepted, ignored, and tied to their issue when they name one. */
function nonAlert(resource: string | undefined, body: unknown, tenant: string, deliveryId: string): SourceResult {
  if (!resource || !NON_ALERT_RESOURCES.has(resource)) return ignored({ reason: 'resource Klaxon does not know (Sentry-Hook-Resource)', deliveryId });
  // A comment names only its issue; an error its issue and title (which rules may give a tenant, as they give the issue's).
  const comment = resource === 'comment' ? aboutIssue.safeParse(body).data?.data : undefined;
  const error = resource === 'error' ? aboutError.safeParse(body).data?.data.error : undefined;
  const issueId = comment?.issue_id ?? error?.issue_id;
  return ignored({
    reason: `${resource}: not an alert`,
    ...(issueId ? { about: { title: (error?.title ?? '').slice(0, MAX_TITLE_LENGTH), labels: {}, tenant, dedupKey: `sentry:issue:${issueId}` } } : {}),
    deliveryId,
  });
}

import { createHmac } from 'node:crypto';
import { z } from 'zod';
import { describeIssues, isValidTenant, MAX_TITLE_LENGTH, type Alert } from '../alert';
import { REPLAY_MEMORY_SECONDS } from '../signature';
import { sameSecret, severityFrom } from './shared';
import { deliveryIdOf, parseJsonBody, SourceRejection, type AlertSource, type SourceRequest, type SourceSettings } from './source';

/**
 * Sentry internal-integration webhooks: `issue` (created, unresolved → alert; resolved →
 * resolution) and `event_alert` (an alert rule fired). Signed with `Sentry-Hook-Signature`,
 * the hex HMAC-SHA256 of the body with the integration's client secret.
 * https://docs.sentry.io/integrations/integration-platform/webhooks/
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
      if (action !== 'created' && action !== 'unresolved') return { alerts: [], resolutions: [] };
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
    // Installation, comment and other resources are not alerts: accepted and ignored.
    return { alerts: [], resolutions: [] };
  },
};

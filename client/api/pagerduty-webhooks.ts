import type { IncomingMessage } from 'node:http';
import type { ResponderRef } from '../../core/incident';
import { SignatureError, verifyPagerDutySignature } from '../../core/signature';
import type { Incidents } from '../incidents';
import { header, HttpError, readBody, requireContentType } from './http';
import { answeringRefusals } from './incident-errors';

export interface PagerDutyRouteDeps {
  incidents: Incidents;
  /** Webhook subscription secrets; several while one is being rotated. */
  secrets: string[];
}

interface WebhookPayload {
  event?: {
    id?: string;
    event_type?: string;
    agent?: { id?: string; type?: string; summary?: string } | null;
    data?: { incident_key?: string; status?: string };
  };
}

/** What PagerDuty does that Klaxon follows; the other event types are answered and ignored. */
const FOLLOWED = new Set(['incident.acknowledged', 'incident.resolved']);

/**
 * `POST /v1/pagerduty/webhooks`: PagerDuty v3 webhooks. An acknowledgement or resolution in
 * PagerDuty becomes the same Update as a Slack button, by the responder whose PagerDuty user
 * acted, and is not sent back to PagerDuty. PagerDuty retries what is not answered 2xx, so
 * events Klaxon cannot apply (not its incident, a stranger, already closed) are answered 200
 * with the reason, and nothing is recorded.
 */
export async function receivePagerDutyWebhook(req: IncomingMessage, deps: PagerDutyRouteDeps): Promise<{ status: number; body: unknown }> {
  if (deps.secrets.length === 0) throw new HttpError(503, 'PagerDuty webhooks are not configured: set PAGERDUTY_WEBHOOK_SECRETS');
  const raw = await readBody(req);
  try {
    verifyPagerDutySignature(deps.secrets, raw, header(req, 'x-pagerduty-signature'));
  } catch (err) {
    if (err instanceof SignatureError) throw new HttpError(401, err.message);
    throw err;
  }
  requireContentType(req, 'application/json');
  let payload: WebhookPayload;
  try {
    payload = JSON.parse(raw.toString('utf8')) as WebhookPayload;
  } catch (err) {
    throw new HttpError(400, `malformed JSON: ${(err as Error).message}`);
  }
  const event = payload.event;
  if (!event?.event_type) throw new HttpError(400, 'the payload has no event.event_type');
  const ignored = (reason: string) => ({ status: 200, body: { applied: false, event: event.event_type, reason } });
  if (!FOLLOWED.has(event.event_type)) return ignored(`Klaxon does not follow ${event.event_type}`);
  const incidentId = event.data?.incident_key;
  if (!incidentId?.startsWith('inc-')) return ignored('not a Klaxon incident (its incident_key is not a Klaxon incident id)');
  if (event.agent?.type !== 'user_reference' || !event.agent.id) return ignored(`no PagerDuty user acted (agent ${event.agent?.type ?? 'none'})`);
  const by: ResponderRef = { pagerDutyUserId: event.agent.id, via: 'pagerduty' };
  try {
    const result = await answeringRefusals<object>(() =>
      event.event_type === 'incident.acknowledged' ? deps.incidents.acknowledge(incidentId, by) : deps.incidents.resolve(incidentId, by, 'resolved in PagerDuty'),
    );
    return { status: 200, body: { applied: true, ...result } };
  } catch (err) {
    if (err instanceof HttpError && (err.status === 403 || err.status === 409)) return ignored(err.message);
    throw err;
  }
}

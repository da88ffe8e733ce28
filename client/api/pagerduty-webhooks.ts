import type { IncomingMessage } from 'node:http';
import type { ResponderRef } from '../../core/incident';
import { SignatureError, verifyPagerDutySignature } from '../../core/signature';
import type { Incidents } from '../incidents';
import { header, HttpError, parseRequestJson, readBody, requireContentType } from './http';
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
  const payload = parseRequestJson(raw.toString('utf8')) as WebhookPayload | null;
  // Signed is not the same as well-formed: every field is checked for its type before use.
  const event = typeof payload === 'object' && payload !== null && typeof payload.event === 'object' && payload.event !== null ? payload.event : undefined;
  if (typeof event?.event_type !== 'string') throw new HttpError(400, 'the payload has no event.event_type string');
  const eventType = event.event_type;
  const ignored = (reason: string) => ({ status: 200, body: { applied: false, event: eventType, reason } });
  if (!FOLLOWED.has(eventType)) return ignored(`Klaxon does not follow ${eventType}`);
  const incidentId = typeof event.data === 'object' && event.data !== null ? event.data.incident_key : undefined;
  if (typeof incidentId !== 'string' || !incidentId.startsWith('inc-')) return ignored('not a Klaxon incident (its incident_key is not a Klaxon incident id)');
  const agent = typeof event.agent === 'object' && event.agent !== null ? event.agent : undefined;
  if (agent?.type !== 'user_reference' || typeof agent.id !== 'string' || !agent.id) return ignored(`no PagerDuty user acted (agent ${typeof agent?.type === 'string' ? agent.type : 'none'})`);
  const by: ResponderRef = { pagerDutyUserId: agent.id, via: 'pagerduty' };
  try {
    const result = await answeringRefusals<object>(() =>
      eventType === 'incident.acknowledged' ? deps.incidents.acknowledge(incidentId, by) : deps.incidents.resolve(incidentId, by, 'resolved in PagerDuty'),
    );
    return { status: 200, body: { applied: true, ...result } };
  } catch (err) {
    if (err instanceof HttpError && (err.status === 403 || err.status === 409)) return ignored(err.message);
    throw err;
  }
}

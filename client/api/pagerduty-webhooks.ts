import type { IncomingMessage } from 'node:http';
import type { ResponderRef } from '../../core/incident/incident';
import { REPLAY_MEMORY_SECONDS, SignatureError, verifyPagerDutySignature } from '../../core/shared/signature';
import type { DeliveryMemory } from '../delivery-memory';
import type { Incidents } from '../incidents';
import { header, HttpError, parseRequestJson, readBody, requireContentType } from './http';
import { answeringRefusals } from './incident-errors';
import { isDrillId } from '../../core/drills/drill';

export interface PagerDutyRouteDeps {
  incidents: Incidents;
  /** Webhook subscription secrets; several while one is being rotated. */
  secrets: string[];
  /** Event ids applied before: PagerDuty signs only the body, so a captured event could be sent again. */
  deliveries: DeliveryMemory;
  now: () => Date;
}

interface WebhookPayload {
  event?: {
    id?: string;
    event_type?: string;
    occurred_at?: string;
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
  const occurredAt = typeof event.occurred_at === 'string' ? Date.parse(event.occurred_at) : NaN;
  if (typeof event.id !== 'string' || !event.id || Number.isNaN(occurredAt)) throw new HttpError(400, 'the payload has no event.id string or no event.occurred_at date-time');
  const deliveryId = `pagerduty:${event.id}`;
  const ignored = (reason: string) => ({ status: 200, body: { applied: false, event: eventType, reason } });
  if (!FOLLOWED.has(eventType)) return ignored(`Klaxon does not follow ${eventType}`);
  const incidentId = typeof event.data === 'object' && event.data !== null ? event.data.incident_key : undefined;
  // A drill is paged under its drill id: acknowledged from PagerDuty like an incident.
  if (typeof incidentId !== 'string' || !(incidentId.startsWith('inc-') || isDrillId(incidentId))) return ignored('not a Klaxon incident (its incident_key is not a Klaxon incident id)');
  const agent = typeof event.agent === 'object' && event.agent !== null ? event.agent : undefined;
  if (agent?.type !== 'user_reference' || typeof agent.id !== 'string' || !agent.id) return ignored(`no PagerDuty user acted (agent ${typeof agent?.type === 'string' ? agent.type : 'none'})`);
  const by: ResponderRef = { pagerDutyUserId: agent.id, via: 'pagerduty' };
  const now = deps.now();
  if ((await deps.deliveries.seen([deliveryId], now)).size > 0) return ignored(`event ${event.id} was applied before: a replay`);
  try {
    const run = await answeringRefusals(() => deps.incidents.currentRun(incidentId));
    // An event from before the current run is about an earlier run of the same id (replayed, or
    // delayed that long): it must not acknowledge or resolve the newer incident. The Update is
    // pinned to the run checked, so a run that opens meanwhile is not touched either.
    if (occurredAt < run.openedAt.getTime()) return ignored(`the event occurred at ${new Date(occurredAt).toISOString()}, before the incident's current run opened at ${run.openedAt.toISOString()}`);
    const result = await answeringRefusals<object>(() =>
      eventType === 'incident.acknowledged' ? deps.incidents.change('acknowledge', incidentId, by, run.runId) : deps.incidents.change('resolve', incidentId, { by, note: 'resolved in PagerDuty' }, run.runId),
    );
    await deps.deliveries.remember([deliveryId], now, new Date(now.getTime() + REPLAY_MEMORY_SECONDS.bodyOnly * 1000));
    return { status: 200, body: { applied: true, ...result } };
  } catch (err) {
    // Unknown (404), closed (409) or refused (403): nothing PagerDuty can fix by sending it again,
    // and it retries every answer but a 2xx.
    if (err instanceof HttpError && (err.status === 403 || err.status === 404 || err.status === 409)) return ignored(err.message);
    throw err;
  }
}

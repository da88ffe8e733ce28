import type { IncomingMessage } from 'node:http';
import { REPLAY_MEMORY_SECONDS, SignatureError, verifySlackSignature } from '../../core/shared/signature';
import { deliveryIdOf } from '../../core/sources/delivery-id';
import type { DeliveryMemory } from '../delivery-memory';
import type { Incidents } from '../incidents';
import { header, HttpError, readBody, requireContentType } from './http';
import { answeringRefusals } from './incident-errors';

/** A request Slack signed (interactivity, slash commands), verified. */
export interface SlackRequest {
  form: URLSearchParams;
  /** When Slack signed it (its X-Slack-Request-Timestamp). */
  signedAt: Date;
  /** The same signed bytes were taken before: a replay, of which nothing may be applied again. */
  replayed: boolean;
}

/**
 * Reads and verifies a request Slack signed: 503 when Slack is not configured, 401 when the
 * signature is bad or stale. A signature stays valid for five minutes, so the delivery (its
 * signed timestamp and body: two real clicks differ in action_ts and trigger_id, a replay does
 * not) is remembered for twice that, before anything is applied: a replay sent while the
 * first is still being applied is recognised too, and a failed request is not retried by
 * Slack (a person clicks again, which Slack signs anew).
 */
export async function readSlackRequest(req: IncomingMessage, deps: { signingSecret?: string; deliveries: DeliveryMemory; now: () => Date }): Promise<SlackRequest> {
  if (!deps.signingSecret) throw new HttpError(503, 'Slack is not configured for requests from Slack: set SLACK_SIGNING_SECRET');
  const raw = await readBody(req);
  const timestamp = header(req, 'x-slack-request-timestamp');
  const now = deps.now();
  try {
    verifySlackSignature(deps.signingSecret, raw, { signature: header(req, 'x-slack-signature'), timestamp }, Math.floor(now.getTime() / 1000));
  } catch (err) {
    if (err instanceof SignatureError) throw new HttpError(401, err.message);
    throw err;
  }
  requireContentType(req, 'application/x-www-form-urlencoded');
  const id = `slack:${deliveryIdOf(timestamp!, raw)}`;
  const replayed = (await deps.deliveries.seen([id], now)).size > 0;
  if (!replayed) await deps.deliveries.remember([id], now, new Date(now.getTime() + REPLAY_MEMORY_SECONDS.signedTimestamp * 1000));
  return { form: new URLSearchParams(raw.toString('utf8')), signedAt: new Date(Number(timestamp) * 1000), replayed };
}

/** What a replayed Slack request is answered: 200 (Slack shows nothing useful for an error), and only its sender sees it. */
export const ALREADY_TAKEN = { status: 200, body: { response_type: 'ephemeral', replace_original: false, text: 'This request was already taken: nothing more was done.' } } as const;

/**
 * The run of `incidentId` a Slack request signed at `signedAt` may change: the current one,
 * unless it opened after the request was signed (a new run of the same id, which the person
 * never saw): then 409. Slack's timestamp has whole seconds, so the second a run opened in
 * still counts as after it.
 */
export async function runSignedFor(incidents: Incidents, incidentId: string, signedAt: Date): Promise<string> {
  const run = await answeringRefusals(() => incidents.currentRun(incidentId));
  if (signedAt.getTime() < Math.floor(run.openedAt.getTime() / 1000) * 1000) {
    throw new HttpError(409, `this request was made at ${signedAt.toISOString()}, before incident ${incidentId} opened again at ${run.openedAt.toISOString()}: it was about an earlier run, and changes nothing`);
  }
  return run.runId;
}

import type { IncomingMessage } from 'node:http';
import type { ResponderRef } from '../../core/incident';
import { SignatureError, verifySlackSignature } from '../../core/signature';
import { SLACK_ACTIONS } from '../../core/slack-message';
import type { Incidents } from '../incidents';
import { header, HttpError, readBody, requireContentType } from './http';
import { answeringRefusals } from './incident-errors';

export interface SlackRouteDeps {
  incidents: Incidents;
  signingSecret?: string;
  now: () => Date;
}

interface BlockActionsPayload {
  type: string;
  user?: { id?: string };
  actions?: Array<{ action_id?: string; value?: string }>;
}

/**
 * `POST /v1/slack/interactions`: a button on the incident message. Verified as Slack signs,
 * then turned into the same Update the CLI sends; the workflow refreshes the message.
 */
export async function receiveSlackInteraction(req: IncomingMessage, deps: SlackRouteDeps): Promise<{ status: number; body: unknown }> {
  if (!deps.signingSecret) throw new HttpError(503, 'Slack interactivity is not configured: set SLACK_SIGNING_SECRET');
  const raw = await readBody(req);
  try {
    verifySlackSignature(
      deps.signingSecret,
      raw,
      { signature: header(req, 'x-slack-signature'), timestamp: header(req, 'x-slack-request-timestamp') },
      Math.floor(deps.now().getTime() / 1000),
    );
  } catch (err) {
    if (err instanceof SignatureError) throw new HttpError(401, err.message);
    throw err;
  }
  requireContentType(req, 'application/x-www-form-urlencoded');
  const payload = parsePayload(raw);
  if (payload.type !== 'block_actions') throw new HttpError(400, `unsupported interaction type "${payload.type}"`);
  const action = payload.actions?.find((a) => a.action_id === SLACK_ACTIONS.acknowledge || a.action_id === SLACK_ACTIONS.resolve);
  if (!action?.value) throw new HttpError(400, 'no Klaxon action (acknowledge or resolve) with an incident id in the payload');
  if (!payload.user?.id) throw new HttpError(400, 'the payload names no Slack user');
  const by: ResponderRef = { slackUserId: payload.user.id, via: 'slack' };
  const id = action.value;
  const result = await answeringRefusals<unknown>(() => (action.action_id === SLACK_ACTIONS.acknowledge ? deps.incidents.acknowledge(id, by) : deps.incidents.resolve(id, by)));
  return { status: 200, body: result };
}

/** Slack posts `payload=<url-encoded JSON>` as a form. */
function parsePayload(raw: Buffer): BlockActionsPayload {
  const encoded = new URLSearchParams(raw.toString('utf8')).get('payload');
  if (!encoded) throw new HttpError(400, 'missing form field "payload"');
  try {
    return JSON.parse(encoded) as BlockActionsPayload;
  } catch (err) {
    throw new HttpError(400, `malformed payload JSON: ${(err as Error).message}`);
  }
}

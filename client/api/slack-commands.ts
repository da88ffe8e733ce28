import type { IncomingMessage } from 'node:http';
import type { IncidentState, ResponderRef } from '../../core/incident/incident';
import { redact } from '../../core/shared/redaction';
import { drillMarked } from '../../core/drills/drill';
import { mrkdwn, slackDate, type SlackMarkup } from '../../core/channels/slack-text';
import { IncidentNotFoundError, type Incidents } from '../incidents';
import { HttpError } from './http';
import { answeringRefusals } from './incident-errors';
import type { DeliveryMemory } from '../delivery-memory';
import { ALREADY_TAKEN, readSlackRequest, runSignedFor } from './slack-request';

export interface SlackCommandDeps {
  incidents: Incidents;
  signingSecret?: string;
  /** Slack deliveries taken, against replays (see readSlackRequest). */
  deliveries: DeliveryMemory;
  now: () => Date;
}

const HELP = [
  '`/klaxon status <incident-id>`: where the incident stands',
  '`/klaxon ack <incident-id>`: acknowledge (stops the paging)',
  '`/klaxon resolve <incident-id> [note]`: resolve, with an optional note for the record',
].join('\n');

/** Only the caller sees the answer: it may name an incident of a tenant others in the channel should not see. */
const ephemeral = (text: SlackMarkup) => ({ status: 200, body: { response_type: 'ephemeral', text: text.markup } });

/** The same words whether the incident is unknown or the caller is not its responder: nothing to learn from the difference. */
const NOT_YOURS = mrkdwn`Refused: that incident does not exist, or you are not a responder of it.`;

function describe(s: IncidentState): SlackMarkup {
  const next = s.nextStep ? mrkdwn`\nNext: ${s.nextStep.action} at ${slackDate(s.nextStep.at, '{date_short_pretty} {time}')}` : '';
  const who = s.acknowledgedBy ? `, acknowledged by ${s.acknowledgedBy}` : s.resolvedBy ? `, resolved by ${s.resolvedBy}` : '';
  return mrkdwn`${drillMarked(s, 'slack', '')}*${s.severity} ${s.tenant}*: ${redact(s.title)}\n\`${s.incidentId}\`: ${s.status}${who}, level ${s.level} (pass ${s.pass}), ${s.alertCount} alert(s)${next}`;
}

/**
 * `POST /v1/slack/commands`: the `/klaxon` slash command, signed as Slack signs. Refusals
 * (a stranger, a closed incident) are answered as text the caller sees, since Slack shows
 * nothing useful for an HTTP error; a bad signature is still 401.
 */
export async function receiveSlackCommand(req: IncomingMessage, deps: SlackCommandDeps): Promise<{ status: number; body: unknown }> {
  const { form, signedAt, replayed } = await readSlackRequest(req, deps);
  if (replayed) return ALREADY_TAKEN;
  const userId = form.get('user_id');
  if (!userId) throw new HttpError(400, 'the command names no Slack user (user_id)');
  const [verb = 'help', incidentId, ...rest] = (form.get('text') ?? '').trim().split(/\s+/).filter(Boolean);
  if (verb === 'help' || !incidentId) return ephemeral(verb === 'help' ? mrkdwn`${HELP}` : mrkdwn`\`/klaxon ${verb}\` needs an incident id.\n${HELP}`);
  if (!['status', 'ack', 'resolve'].includes(verb)) return ephemeral(mrkdwn`Unknown command \`${verb}\`.\n${HELP}`);
  const by: ResponderRef = { slackUserId: userId, via: 'slack' };
  try {
    // Only the incident's own responders learn anything about it, even that it exists.
    const responder = await deps.incidents.responderOf(incidentId, by).catch((err: unknown) => {
      if (err instanceof IncidentNotFoundError) return undefined;
      throw err;
    });
    if (!responder) return ephemeral(NOT_YOURS);
    if (verb === 'status') return ephemeral(describe(await answeringRefusals(() => deps.incidents.state(incidentId))));
    if (verb === 'ack') {
      const run = await runSignedFor(deps.incidents, incidentId, signedAt);
      const r = await answeringRefusals(() => deps.incidents.change('acknowledge', incidentId, by, run));
      return ephemeral(r.alreadyDone ? mrkdwn`\`${incidentId}\` was already acknowledged by ${r.acknowledgedBy}.` : mrkdwn`\`${incidentId}\` acknowledged by ${r.acknowledgedBy}: paging stopped.`);
    }
    const run = await runSignedFor(deps.incidents, incidentId, signedAt);
    const r = await answeringRefusals(() => deps.incidents.change('resolve', incidentId, { by, note: rest.join(' ') || undefined }, run));
    return ephemeral(r.alreadyDone ? mrkdwn`\`${incidentId}\` was already resolved by ${r.resolvedBy}.` : mrkdwn`\`${incidentId}\` resolved by ${r.resolvedBy}.`);
  } catch (err) {
    if (err instanceof HttpError && err.status < 500) return ephemeral(mrkdwn`Refused: ${err.message}`);
    throw err;
  }
}

import type { IncomingMessage } from 'node:http';
import type { IncidentState, ResponderRef } from '../../core/incident';
import { redact } from '../../core/redaction';
import type { Incidents } from '../incidents';
import { HttpError } from './http';
import { answeringRefusals } from './incident-errors';
import { readSlackForm } from './slack-request';

export interface SlackCommandDeps {
  incidents: Incidents;
  signingSecret?: string;
  now: () => Date;
}

const HELP = [
  '`/klaxon status <incident-id>`: where the incident stands',
  '`/klaxon ack <incident-id>`: acknowledge (stops the paging)',
  '`/klaxon resolve <incident-id> [note]`: resolve, with an optional note for the record',
].join('\n');

/** Only the caller sees the answer: it may name an incident of a tenant others in the channel should not see. */
const ephemeral = (text: string) => ({ status: 200, body: { response_type: 'ephemeral', text } });

function describe(s: IncidentState): string {
  const next = s.nextStep ? `\nNext: ${s.nextStep.action} at <!date^${Math.floor(Date.parse(s.nextStep.at) / 1000)}^{date_short_pretty} {time}|${s.nextStep.at}>` : '';
  const who = s.acknowledgedBy ? `, acknowledged by ${s.acknowledgedBy}` : s.resolvedBy ? `, resolved by ${s.resolvedBy}` : '';
  return `*${s.severity} ${s.tenant}*: ${redact(s.title)}\n\`${s.incidentId}\`: ${s.status}${who}, level ${s.level} (pass ${s.pass}), ${s.alertCount} alert(s)${next}`;
}

/**
 * `POST /v1/slack/commands`: the `/klaxon` slash command, signed as Slack signs. Refusals
 * (a stranger, a closed incident) are answered as text the caller sees, since Slack shows
 * nothing useful for an HTTP error; a bad signature is still 401.
 */
export async function receiveSlackCommand(req: IncomingMessage, deps: SlackCommandDeps): Promise<{ status: number; body: unknown }> {
  const form = await readSlackForm(req, deps.signingSecret, deps.now);
  const userId = form.get('user_id');
  if (!userId) throw new HttpError(400, 'the command names no Slack user (user_id)');
  const [verb = 'help', incidentId, ...rest] = (form.get('text') ?? '').trim().split(/\s+/).filter(Boolean);
  if (verb === 'help' || !incidentId) return ephemeral(verb === 'help' ? HELP : `\`/klaxon ${verb}\` needs an incident id.\n${HELP}`);
  const by: ResponderRef = { slackUserId: userId, via: 'slack' };
  try {
    switch (verb) {
      case 'status':
        return ephemeral(describe(await answeringRefusals(() => deps.incidents.state(incidentId))));
      case 'ack': {
        const r = await answeringRefusals(() => deps.incidents.acknowledge(incidentId, by));
        return ephemeral(r.alreadyDone ? `\`${incidentId}\` was already acknowledged by ${r.acknowledgedBy}.` : `\`${incidentId}\` acknowledged by ${r.acknowledgedBy}: paging stopped.`);
      }
      case 'resolve': {
        const r = await answeringRefusals(() => deps.incidents.resolve(incidentId, by, rest.join(' ') || undefined));
        return ephemeral(r.alreadyDone ? `\`${incidentId}\` was already resolved by ${r.resolvedBy}.` : `\`${incidentId}\` resolved by ${r.resolvedBy}.`);
      }
      default:
        return ephemeral(`Unknown command \`${verb}\`.\n${HELP}`);
    }
  } catch (err) {
    if (err instanceof HttpError && err.status < 500) return ephemeral(`Refused: ${err.message}`);
    throw err;
  }
}

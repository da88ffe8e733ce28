import type { IncomingMessage } from 'node:http';
import type { ResponderRef } from '../../core/incident';
import { RESOLVE_MODAL, resolveModal, SLACK_ACTIONS, SNOOZE_BLOCK_PREFIX } from '../../core/slack-message';
import { mrkdwn } from '../../core/slack-text';
import type { Incidents } from '../incidents';
import { HttpError } from './http';
import { answeringRefusals } from './incident-errors';
import { readSlackForm } from './slack-request';

/** What the API needs of Slack itself: opening a modal, and answering late through response_url. */
export interface SlackApi {
  openView(triggerId: string, view: unknown): Promise<void>;
}

export interface SlackRouteDeps {
  incidents: Incidents;
  signingSecret?: string;
  /** Without it (no bot token), Resolve resolves at once, with no note. */
  slackApi?: SlackApi;
  now: () => Date;
  /** Slack gives up on an answer after 3 seconds; Klaxon answers by then and finishes the work after. */
  deadlineMs?: number;
  log?: (line: string) => void;
}

interface Interaction {
  type: string;
  user?: { id?: string };
  trigger_id?: string;
  response_url?: string;
  actions?: Array<{ action_id?: string; value?: string; block_id?: string; selected_option?: { value?: string } }>;
  view?: { callback_id?: string; private_metadata?: string; state?: { values?: Record<string, Record<string, { value?: string | null }>> } };
}

const SLACK_DEADLINE_MS = 2500;

/**
 * `POST /v1/slack/interactions`: buttons and the snooze menu on the incident message, the
 * resolve modal, and the Approve button of a containment action awaiting approval. Verified as Slack signs, then turned into the same Updates the CLI sends;
 * the workflow rewrites the message.
 */
export async function receiveSlackInteraction(req: IncomingMessage, deps: SlackRouteDeps): Promise<{ status: number; body: unknown }> {
  const form = await readSlackForm(req, deps.signingSecret, deps.now);
  const payload = parsePayload(form);
  if (!payload.user?.id) throw new HttpError(400, 'the payload names no Slack user');
  const by: ResponderRef = { slackUserId: payload.user.id, via: 'slack' };
  if (payload.type === 'view_submission') return submitResolveModal(payload, by, deps);
  if (payload.type !== 'block_actions') throw new HttpError(400, `unsupported interaction type "${payload.type}"`);

  const action = payload.actions?.find((a) => Object.values(SLACK_ACTIONS).includes(a.action_id as never));
  if (!action) throw new HttpError(400, `no Klaxon action (${Object.values(SLACK_ACTIONS).join(', ')}) in the payload`);
  // The snooze menu names the incident in its block; the containment button as "<incident> <action>".
  const [incidentId, containmentAction] = (action.action_id === SLACK_ACTIONS.snooze ? action.block_id?.slice(SNOOZE_BLOCK_PREFIX.length) : action.value)?.split(' ') ?? [];
  if (!incidentId) throw new HttpError(400, 'the action names no incident');
  const { incidents } = deps;
  switch (action.action_id) {
    case SLACK_ACTIONS.approveContainment:
      if (!containmentAction) throw new HttpError(400, 'the approval names no containment action');
      return withinDeadline(deps, payload, () => incidents.decideContainment(incidentId, 'approve', { by, actionId: containmentAction }));
    case SLACK_ACTIONS.acknowledge:
      return withinDeadline(deps, payload, () => incidents.acknowledge(incidentId, by));
    case SLACK_ACTIONS.escalate:
      return withinDeadline(deps, payload, () => incidents.escalate(incidentId, by));
    case SLACK_ACTIONS.snooze: {
      const minutes = Number(action.selected_option?.value);
      if (!Number.isInteger(minutes)) throw new HttpError(400, `snooze length "${action.selected_option?.value}" is not a whole number of minutes`);
      return withinDeadline(deps, payload, () => incidents.snooze(incidentId, by, minutes));
    }
    default: {
      // Resolve asks for a note first when Klaxon can open a modal; it cannot without a bot token.
      if (deps.slackApi && payload.trigger_id) {
        const state = await answeringRefusals(() => incidents.state(incidentId));
        await deps.slackApi.openView(payload.trigger_id, resolveModal(state));
        return { status: 200, body: {} };
      }
      return withinDeadline(deps, payload, () => incidents.resolve(incidentId, by));
    }
  }
}

/** The resolve modal's submission: resolved with the note; a refusal is shown in the modal. */
async function submitResolveModal(payload: Interaction, by: ResponderRef, deps: SlackRouteDeps): Promise<{ status: number; body: unknown }> {
  const view = payload.view;
  if (view?.callback_id !== RESOLVE_MODAL.callbackId || !view.private_metadata) throw new HttpError(400, `unsupported view "${view?.callback_id}"`);
  const note = view.state?.values?.[RESOLVE_MODAL.block]?.[RESOLVE_MODAL.action]?.value?.trim() || undefined;
  try {
    await answeringRefusals(() => deps.incidents.resolve(view.private_metadata!, by, note));
    return { status: 200, body: { response_action: 'clear' } };
  } catch (err) {
    if (err instanceof HttpError) return { status: 200, body: { response_action: 'errors', errors: { [RESOLVE_MODAL.block]: err.message } } };
    throw err;
  }
}

/**
 * Answers with the Update's result when it comes within Slack's deadline. Otherwise answers
 * 200 at once and lets the Update finish (Temporal has it); a refusal that comes later is told
 * to the clicker through response_url, and the message is rewritten by the workflow anyway.
 */
async function withinDeadline(deps: SlackRouteDeps, payload: Interaction, change: () => Promise<unknown>): Promise<{ status: number; body: unknown }> {
  const work = answeringRefusals(change);
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((ok) => (timer = setTimeout(() => ok('late'), deps.deadlineMs ?? SLACK_DEADLINE_MS)));
  try {
    const first = await Promise.race([work, late]);
    if (first !== 'late') return { status: 200, body: first };
  } finally {
    clearTimeout(timer);
  }
  work.catch(async (err: Error) => {
    (deps.log ?? console.error)(`klaxon: slack action finished after the deadline and failed: ${err.message}`);
    if (payload.response_url) {
      await fetch(payload.response_url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ response_type: 'ephemeral', replace_original: false, text: mrkdwn`${err.message}`.markup }) }).catch(() => undefined);
    }
  });
  return { status: 200, body: { accepted: true, pending: true } };
}

/** Slack posts `payload=<url-encoded JSON>` as a form. */
function parsePayload(form: URLSearchParams): Interaction {
  const encoded = form.get('payload');
  if (!encoded) throw new HttpError(400, 'missing form field "payload"');
  try {
    return JSON.parse(encoded) as Interaction;
  } catch (err) {
    throw new HttpError(400, `malformed payload JSON: ${(err as Error).message}`);
  }
}

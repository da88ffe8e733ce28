import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import { describeIssues } from '../../core/alerts/alert';
import type { ResponderRef } from '../../core/incident/incident';
import { RESOLVE_MODAL, resolveModal, SLACK_ACTIONS, SNOOZE_BLOCK_PREFIX } from '../../core/channels/slack-message';
import { mrkdwn } from '../../core/channels/slack-text';
import type { Incidents } from '../incidents';
import { HttpError, parseRequestJson } from './http';
import { describeError } from './crash-guard';
import { answeringRefusals } from './incident-errors';
import type { DeliveryMemory } from '../delivery-memory';
import { ALREADY_TAKEN, readSlackRequest, runSignedFor } from './slack-request';

/** What the API needs of Slack itself: opening a modal, and answering late through response_url. */
export interface SlackApi {
  openView(triggerId: string, view: unknown): Promise<void>;
}

export interface SlackRouteDeps {
  incidents: Incidents;
  signingSecret?: string;
  /** Without it (no bot token), Resolve resolves at once, with no note. */
  slackApi?: SlackApi;
  /** Slack deliveries taken, against replays (see readSlackRequest). */
  deliveries: DeliveryMemory;
  now: () => Date;
  /** Slack gives up on an answer after 3 seconds; Klaxon answers by then and finishes the work after. */
  deadlineMs?: number;
  log?: (line: string) => void;
}

/**
 * The parts of Slack's interaction payload Klaxon reads, each of the type Slack documents
 * (other fields are dropped). Signed is not the same as well-formed: anything else is a 400
 * naming the field, not a TypeError later.
 * https://api.slack.com/reference/interaction-payloads
 */
const interactionSchema = z.object({
  type: z.string(),
  user: z.object({ id: z.string().min(1) }),
  trigger_id: z.string().optional(),
  response_url: z.string().optional(),
  actions: z.array(z.object({ action_id: z.string().optional(), value: z.string().optional(), block_id: z.string().optional(), selected_option: z.object({ value: z.string() }).nullish() })).optional(),
  view: z
    .object({
      callback_id: z.string().optional(),
      private_metadata: z.string().optional(),
      state: z.object({ values: z.record(z.string(), z.record(z.string(), z.object({ value: z.string().nullish() }))).optional() }).optional(),
    })
    .optional(),
});
type Interaction = z.infer<typeof interactionSchema>;

const SLACK_DEADLINE_MS = 2500;

/**
 * `POST /v1/slack/interactions`: buttons and the snooze menu on the incident message, the
 * resolve modal, and the Approve button of a containment action awaiting approval. Verified as Slack signs, then turned into the same Updates the CLI sends;
 * the workflow rewrites the message.
 */
export async function receiveSlackInteraction(req: IncomingMessage, deps: SlackRouteDeps): Promise<{ status: number; body: unknown }> {
  const { form, signedAt, replayed } = await readSlackRequest(req, deps);
  if (replayed) return ALREADY_TAKEN;
  const payload = parsePayload(form);
  const by: ResponderRef = { slackUserId: payload.user.id, via: 'slack' };
  if (payload.type === 'view_submission') return submitResolveModal(payload, by, signedAt, deps);
  if (payload.type !== 'block_actions') throw new HttpError(400, `unsupported interaction type "${payload.type}"`);

  const action = payload.actions?.find((a) => Object.values(SLACK_ACTIONS).includes(a.action_id as never));
  if (!action) throw new HttpError(400, `no Klaxon action (${Object.values(SLACK_ACTIONS).join(', ')}) in the payload`);
  // The snooze menu names the incident in its block; the containment button as "<incident> <action>".
  const [incidentId, containmentAction] = (action.action_id === SLACK_ACTIONS.snooze ? action.block_id?.slice(SNOOZE_BLOCK_PREFIX.length) : action.value)?.split(' ') ?? [];
  if (!incidentId) throw new HttpError(400, 'the action names no incident');
  const { incidents } = deps;
  // A click changes only the run it was made on: never one opened after Slack signed it.
  const signedRun = () => runSignedFor(incidents, incidentId, signedAt);
  switch (action.action_id) {
    case SLACK_ACTIONS.approveContainment:
      if (!containmentAction) throw new HttpError(400, 'the approval names no containment action');
      return withinDeadline(deps, payload, async () => {
        await signedRun();
        return incidents.change('approveContainment', incidentId, { by, actionId: containmentAction });
      });
    case SLACK_ACTIONS.acknowledge:
      return withinDeadline(deps, payload, async () => incidents.change('acknowledge', incidentId, by, await signedRun()));
    case SLACK_ACTIONS.escalate:
      return withinDeadline(deps, payload, async () => {
        await signedRun();
        return incidents.change('escalate', incidentId, by);
      });
    case SLACK_ACTIONS.snooze: {
      // Digits only: `1e300` or `0x10` are numbers to Number() but no length the menu offers (the policy bounds the rest).
      const chosen = action.selected_option?.value ?? '';
      if (!/^\d{1,6}$/.test(chosen)) throw new HttpError(400, `snooze length "${chosen.slice(0, 40)}" is not a whole number of minutes`);
      const minutes = Number(chosen);
      return withinDeadline(deps, payload, async () => {
        await signedRun();
        return incidents.change('snooze', incidentId, { by, minutes });
      });
    }
    default: {
      // Resolve asks for a note first when Klaxon can open a modal; it cannot without a bot token.
      if (deps.slackApi && payload.trigger_id) {
        const run = await signedRun();
        const state = await answeringRefusals(() => incidents.state(incidentId));
        await deps.slackApi.openView(payload.trigger_id, resolveModal(state, run));
        return { status: 200, body: {} };
      }
      return withinDeadline(deps, payload, async () => incidents.change('resolve', incidentId, { by }, await signedRun()));
    }
  }
}

/** The resolve modal's submission: resolved with the note; a refusal is shown in the modal. */
async function submitResolveModal(payload: Interaction, by: ResponderRef, signedAt: Date, deps: SlackRouteDeps): Promise<{ status: number; body: unknown }> {
  const view = payload.view;
  if (view?.callback_id !== RESOLVE_MODAL.callbackId || !view.private_metadata) throw new HttpError(400, `unsupported view "${view?.callback_id}"`);
  // "<incident> <run>" (a modal opened before runs were named in it has the incident only).
  const [incidentId, openedFor, ...rest] = view.private_metadata.split(' ');
  // Signed by Slack but written by whoever built the view: an id Temporal would refuse as malformed is the sender's error.
  if (!/^(?:inc|drill)-[\w.-]{1,200}$/.test(incidentId) || rest.length > 0 || (openedFor !== undefined && !/^[0-9a-f-]{36}$/.test(openedFor))) {
    throw new HttpError(400, 'the resolve form must name "<incident id> [<run id>]" in its private_metadata');
  }
  const note = view.state?.values?.[RESOLVE_MODAL.block]?.[RESOLVE_MODAL.action]?.value?.trim() || undefined;
  try {
    const run = openedFor ?? (await runSignedFor(deps.incidents, incidentId, signedAt));
    await answeringRefusals(() => deps.incidents.change('resolve', incidentId, { by, note }, run));
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
    // The refusal may quote a note or a reason: the responder reads it, the log names only the error.
    (deps.log ?? console.error)(`klaxon: slack action finished after the deadline and failed: ${describeError(err)}`);
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
  const parsed = interactionSchema.safeParse(parseRequestJson(encoded, 'the payload'));
  if (!parsed.success) {
    const problems = describeIssues(parsed.error);
    throw new HttpError(400, `the payload is not a Slack interaction Klaxon reads: ${problems.join('; ')}`, { problems });
  }
  return parsed.data;
}

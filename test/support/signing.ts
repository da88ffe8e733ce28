import { createHmac } from 'node:crypto';

/**
 * Signs requests the way the senders do, written independently of Klaxon's verifiers so a
 * shared mistake cannot make both sides agree.
 */
export function signKlaxon(secret: string, body: string, t = Math.floor(Date.now() / 1000)): string {
  return `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`;
}

/** As Slack signs interactivity requests: https://api.slack.com/authentication/verifying-requests-from-slack */
export function signSlack(signingSecret: string, body: string, t = Math.floor(Date.now() / 1000)): Record<string, string> {
  return {
    'x-slack-request-timestamp': String(t),
    'x-slack-signature': `v0=${createHmac('sha256', signingSecret).update(`v0:${t}:${body}`).digest('hex')}`,
  };
}

const asForm = (payload: unknown) => new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
/**
 * Slack gives every interaction its own trigger_id, and every click its own action_ts: two
 * clicks, a double click too, never have the same bytes (only a replay does).
 */
let interactions = 0;
const slackMoment = () => `${(Date.now() / 1000).toFixed(3)}${String(++interactions % 1000).padStart(3, '0')}`;
const envelope = (userId: string) => ({
  user: { id: userId, username: userId.toLowerCase(), team_id: 'T0TEST' },
  team: { id: 'T0TEST', domain: 'test' },
  api_app_id: 'A0KLAXON',
  trigger_id: `${++interactions}.${Date.now()}.t0test`,
});

/** A block_actions interaction as Slack posts it: a form with one field, `payload`. */
export function slackButtonClick(userId: string, actionId: string, incidentId: string): string {
  return asForm({
    type: 'block_actions',
    ...envelope(userId),
    response_url: 'https://hooks.slack.invalid/actions/T0TEST/1/x',
    actions: [{ type: 'button', action_id: actionId, block_id: 'klaxon_incident_actions', value: incidentId, action_ts: slackMoment() }],
  });
}

/** A choice in a static_select menu, as Slack posts it. */
export function slackMenuChoice(userId: string, actionId: string, blockId: string, value: string): string {
  return asForm({
    type: 'block_actions',
    ...envelope(userId),
    actions: [{ type: 'static_select', action_id: actionId, block_id: blockId, selected_option: { text: { type: 'plain_text', text: value }, value }, action_ts: slackMoment() }],
  });
}

/** A modal submitted, as Slack posts it: the view with the values of its inputs. */
export function slackViewSubmission(userId: string, view: Record<string, unknown>, values: Record<string, Record<string, { type: string; value: string | null }>>): string {
  return asForm({ type: 'view_submission', ...envelope(userId), view: { ...view, id: 'V1', state: { values } } });
}

import { WebAPIPlatformError, WebClient } from '@slack/web-api';
import { ApplicationFailure } from '@temporalio/common';
import type { SlackMessage } from '../core/channels/slack-message';
import type { PostedMessage, SlackTransport } from './slack-transport';

/** Marks Klaxon's messages so a retried post can find the message an earlier attempt sent. */
const METADATA_EVENT = 'klaxon_page';

/** How far back a retry looks for its own earlier message. */
const HISTORY_LOOKBACK = 100;

/**
 * Slack errors that no retry can cure (configuration or permission): the page fails at once,
 * is recorded, and the ladder goes on, instead of retrying for the whole level.
 * https://api.slack.com/methods/chat.postMessage#errors
 */
const PERMANENT_ERRORS = new Set([
  'channel_not_found', 'not_in_channel', 'is_archived', 'invalid_auth', 'not_authed', 'account_inactive',
  'token_revoked', 'token_expired', 'missing_scope', 'no_permission', 'invalid_blocks', 'msg_too_long',
  'restricted_action', 'ekm_access_denied', 'message_not_found', 'cant_update_message',
]);

/** Runs a Slack call, turning a permanent Slack error into a non-retryable failure. */
async function call<T>(method: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof WebAPIPlatformError && PERMANENT_ERRORS.has(err.data.error)) {
      throw ApplicationFailure.nonRetryable(`Slack ${method} failed: ${err.data.error}`, 'SlackPermanentError');
    }
    throw err;
  }
}

/**
 * Slack through the real `@slack/web-api` client. The client waits out a 429's Retry-After;
 * every failure then surfaces to Temporal, which retries the activity (looking for an earlier
 * post first).
 */
export class WebApiSlack implements SlackTransport {
  private readonly client: WebClient;

  constructor(token: string, apiUrl?: string) {
    this.client = new WebClient(token, {
      ...(apiUrl ? { slackApiUrl: apiUrl.endsWith('/') ? apiUrl : `${apiUrl}/` } : {}),
      // Temporal owns retries. The client must not re-send a post by itself: a post whose
      // answer was lost may have landed, and only a Temporal retry looks for it first. A 429
      // is still waited out (Retry-After) before the call fails and Temporal retries it.
      retryConfig: { retries: 0 },
    });
  }

  async post(to: string, message: SlackMessage, stepKey: string, isRetry: boolean, threadTs?: string): Promise<PostedMessage> {
    // A user id means a direct message: its conversation id is what history and updates take.
    const channel = /^[UW]/.test(to) ? await this.directMessageChannel(to) : to;
    if (isRetry) {
      const earlier = await this.findEarlierPost(channel, stepKey, threadTs);
      if (earlier) return earlier;
    }
    const r = await call('chat.postMessage', () =>
      this.client.chat.postMessage({
        channel,
        text: message.text,
        blocks: message.blocks as never,
        metadata: { event_type: METADATA_EVENT, event_payload: { step_key: stepKey } },
        unfurl_links: false,
        ...(threadTs ? { thread_ts: threadTs } : {}),
      }),
    );
    if (!r.channel || !r.ts) throw new Error('Slack chat.postMessage answered without channel or ts');
    return { channel: r.channel, ts: r.ts };
  }

  async reply(root: PostedMessage, message: SlackMessage, stepKey: string, isRetry: boolean): Promise<PostedMessage> {
    return this.post(root.channel, message, stepKey, isRetry, root.ts);
  }

  async update(posted: PostedMessage, message: SlackMessage): Promise<void> {
    await call('chat.update', () =>
      this.client.chat.update({ channel: posted.channel, ts: posted.ts, text: message.text, blocks: message.blocks as never }),
    );
  }

  async createChannel(names: string[], purpose: string): Promise<{ id: string; name: string }> {
    for (const name of names) {
      try {
        const r = await this.client.conversations.create({ name });
        await call('conversations.setPurpose', () => this.client.conversations.setPurpose({ channel: r.channel!.id!, purpose }));
        return { id: r.channel!.id!, name };
      } catch (err) {
        if (!(err instanceof WebAPIPlatformError && err.data.error === 'name_taken')) return call('conversations.create', () => Promise.reject(err));
        // Taken: by this incident's earlier attempt (same purpose), or by someone else (next name).
        const existing = await this.channelNamed(name);
        if (existing?.purpose === purpose) return { id: existing.id, name };
      }
    }
    throw ApplicationFailure.nonRetryable(`Slack channel names ${names[0]}…-${names.length} are all taken`, 'SlackPermanentError');
  }

  async invite(channel: string, users: string[]): Promise<void> {
    try {
      await this.client.conversations.invite({ channel, users: users.join(',') });
    } catch (err) {
      // Inviting those already there is a success; other errors are as any call's.
      if (err instanceof WebAPIPlatformError && err.data.error === 'already_in_channel') return;
      await call('conversations.invite', () => Promise.reject(err));
    }
  }

  async pin(posted: PostedMessage): Promise<void> {
    try {
      await this.client.pins.add({ channel: posted.channel, timestamp: posted.ts });
    } catch (err) {
      if (err instanceof WebAPIPlatformError && err.data.error === 'already_pinned') return;
      await call('pins.add', () => Promise.reject(err));
    }
  }

  private async directMessageChannel(user: string): Promise<string> {
    const r = await call('conversations.open', () => this.client.conversations.open({ users: user }));
    if (!r.channel?.id) throw new Error('Slack conversations.open answered without a channel');
    return r.channel.id;
  }

  private async channelNamed(name: string): Promise<{ id: string; purpose?: string } | undefined> {
    for await (const page of this.client.paginate('conversations.list', { types: 'public_channel', exclude_archived: true, limit: 200 })) {
      const found = (page as { channels?: Array<{ id: string; name: string; purpose?: { value?: string } }> }).channels?.find((c) => c.name === name);
      if (found) return { id: found.id, purpose: found.purpose?.value };
    }
    return undefined;
  }

  /** A post that timed out may still have landed: look for it (in the channel, or the thread) before posting again. */
  private async findEarlierPost(channel: string, stepKey: string, threadTs?: string): Promise<PostedMessage | undefined> {
    const history = threadTs
      ? await call('conversations.replies', () => this.client.conversations.replies({ channel, ts: threadTs, limit: HISTORY_LOOKBACK, include_all_metadata: true }))
      : await call('conversations.history', () => this.client.conversations.history({ channel, limit: HISTORY_LOOKBACK, include_all_metadata: true }));
    const found = history.messages?.find(
      (m) => m.metadata?.event_type === METADATA_EVENT && (m.metadata.event_payload as Record<string, unknown> | undefined)?.step_key === stepKey,
    );
    return found?.ts ? { channel, ts: found.ts } : undefined;
  }
}

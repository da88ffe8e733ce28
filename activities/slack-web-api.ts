import { WebClient } from '@slack/web-api';
import type { SlackMessage } from '../core/slack-message';
import type { PostedMessage, SlackTransport } from './slack';

/** Marks Klaxon's messages so a retried post can find the message an earlier attempt sent. */
const METADATA_EVENT = 'klaxon_page';

/** How far back a retry looks for its own earlier message. */
const HISTORY_LOOKBACK = 100;

/**
 * Slack through the real `@slack/web-api` client. The client waits out 429s itself
 * (honouring Retry-After); other failures surface to Temporal, which retries the activity.
 */
export class WebApiSlack implements SlackTransport {
  private readonly client: WebClient;

  constructor(token: string, apiUrl?: string) {
    this.client = new WebClient(token, {
      ...(apiUrl ? { slackApiUrl: apiUrl.endsWith('/') ? apiUrl : `${apiUrl}/` } : {}),
      // Temporal owns retries; the client only retries rate limits and a brief network blip.
      retryConfig: { retries: 2, factor: 2, minTimeout: 200, maxTimeout: 2000 },
    });
  }

  async post(channel: string, message: SlackMessage, stepKey: string, isRetry: boolean): Promise<PostedMessage> {
    if (isRetry) {
      const earlier = await this.findEarlierPost(channel, stepKey);
      if (earlier) return earlier;
    }
    const r = await this.client.chat.postMessage({
      channel,
      text: message.text,
      blocks: message.blocks as never,
      metadata: { event_type: METADATA_EVENT, event_payload: { step_key: stepKey } },
      unfurl_links: false,
    });
    if (!r.channel || !r.ts) throw new Error('Slack chat.postMessage answered without channel or ts');
    return { channel: r.channel, ts: r.ts };
  }

  async update(posted: PostedMessage, message: SlackMessage): Promise<void> {
    await this.client.chat.update({ channel: posted.channel, ts: posted.ts, text: message.text, blocks: message.blocks as never });
  }

  /** A post that timed out may still have landed: look for it before posting again. */
  private async findEarlierPost(channel: string, stepKey: string): Promise<PostedMessage | undefined> {
    const history = await this.client.conversations.history({ channel, limit: HISTORY_LOOKBACK, include_all_metadata: true });
    const found = history.messages?.find(
      (m) => m.metadata?.event_type === METADATA_EVENT && (m.metadata.event_payload as Record<string, unknown> | undefined)?.step_key === stepKey,
    );
    return found?.ts ? { channel, ts: found.ts } : undefined;
  }
}

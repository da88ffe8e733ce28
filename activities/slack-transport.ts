import type { SlackMessage } from '../core/channels/slack-message';

/** Where a posted message lives, so it can be updated in place. */
export interface PostedMessage {
  channel: string;
  ts: string;
}

/** The two ways a page leaves Klaxon: the Slack Web API, or the local outbox when Slack is not configured. */
export interface SlackTransport {
  /** Posts a message; `stepKey` identifies the page so a retry can find an earlier attempt's message. */
  post(channel: string, message: SlackMessage, stepKey: string, isRetry: boolean): Promise<PostedMessage>;
  update(posted: PostedMessage, message: SlackMessage): Promise<void>;
  /**
   * Creates a public channel under the first free name of `names`, with `purpose` set; a name
   * taken by a channel with that purpose is one an earlier attempt created, and is reused.
   */
  createChannel(names: string[], purpose: string): Promise<{ id: string; name: string }>;
  invite(channel: string, users: string[]): Promise<void>;
  pin(posted: PostedMessage): Promise<void>;
  /** Replies in the thread of `root`; like `post`, a retry first looks for its earlier reply. */
  reply(root: PostedMessage, message: SlackMessage, stepKey: string, isRetry: boolean): Promise<PostedMessage>;
}

import { mkdir, writeFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { SlackMessage } from '../core/channels/slack-message';
import type { PostedMessage, SlackTransport } from './slack-transport';

/**
 * Slack stand-in for the embedded stack when no SLACK_BOT_TOKEN is set: each message is a JSON
 * file under the outbox, named by its step key, rewritten in place when the message is updated
 * (as Slack's chat.update would). Writing the same key twice is harmless, so retries are too.
 */
export class OutboxSlack implements SlackTransport {
  constructor(private readonly dir: string) {}

  async post(channel: string, message: SlackMessage, stepKey: string): Promise<PostedMessage> {
    const posted = { channel, ts: stepKey };
    await this.write(posted, message, 'chat.postMessage');
    return posted;
  }

  async update(posted: PostedMessage, message: SlackMessage): Promise<void> {
    await this.write(posted, message, 'chat.update');
  }

  /** The outbox keeps no channels: the first name is taken as created, and recorded as a file. */
  async createChannel(names: string[], purpose: string): Promise<{ id: string; name: string }> {
    const channel = { id: `#${names[0]}`, name: names[0] };
    await this.write({ channel: channel.id, ts: `channel-${names[0]}` }, { text: purpose, blocks: [] }, 'conversations.create');
    return channel;
  }

  async invite(channel: string, users: string[]): Promise<void> {
    await this.write({ channel, ts: `invite-${channel.slice(1)}` }, { text: users.map((u) => `<@${u}>`).join(' '), blocks: [] }, 'conversations.invite');
  }

  async reply(root: PostedMessage, message: SlackMessage, stepKey: string): Promise<PostedMessage> {
    const posted = { channel: root.channel, ts: stepKey };
    await this.write(posted, { ...message, text: `(thread of ${root.ts}) ${message.text}` }, 'chat.postMessage');
    return posted;
  }

  /** Pinning changes nothing a reader of the outbox would see. */
  async pin(): Promise<void> {}

  private async write(posted: PostedMessage, message: SlackMessage, method: string): Promise<void> {
    const dir = join(this.dir, 'slack');
    await mkdir(dir, { recursive: true });
    const file = join(dir, `${posted.ts.replace(/[^A-Za-z0-9._-]/g, '_')}.json`);
    const body = JSON.stringify({ method, channel: posted.channel, ts: posted.ts, writtenAt: new Date().toISOString(), ...message }, null, 2);
    // Write then rename, so a reader never sees half a message.
    await writeFile(`${file}.tmp`, body);
    await rename(`${file}.tmp`, file);
  }
}

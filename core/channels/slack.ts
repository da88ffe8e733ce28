// Workflow-safe: workflow code imports this module; keep Node-only modules out (test/workflow/bundle.test.ts).
import type { AnnounceRequest, ChannelDescriptor, PageRequest } from './channel';

/** What Slack reads of a policy: its incidents channel (else KLAXON_SLACK_CHANNEL), and how a person is paged there. */
interface SlackSettings {
  slackChannel?: string;
  slackPaging?: 'mention' | 'dm';
}

/** The policy's incidents channel, when it names one (the activity falls back to KLAXON_SLACK_CHANNEL). */
const room = (policy: SlackSettings) => (policy.slackChannel ? { channel: policy.slackChannel } : {});

/**
 * Slack (activities/slack.ts, messages in slack-message.ts): a responder is mentioned by their
 * Slack user id in the incidents channel, or messaged directly; the message is rewritten as the
 * incident changes. Legal-clock and containment notices go to the incidents channel too.
 */
export const slack = {
  id: 'slack',
  contact: { slackUserId: { format: { pattern: /^[UW][A-Z0-9]+$/, is: 'a Slack user id (U… or W…)' } } },
  address: 'slackUserId',
  page: {
    activity: 'postPage',
    landsAt: true,
    input({ stepKey, state, address, recipient, level, policy }: PageRequest<SlackSettings, { slackChannel?: string }>) {
      // A person is mentioned in the policy's incidents channel (each tenant's own, when routed
      // so), or messaged directly when the policy says so; a level may target a channel instead.
      const dm = policy.slackPaging === 'dm' && address;
      const channel = recipient.slackChannel ?? (dm ? address : policy.slackChannel);
      return { stepKey, state, ...(address ? { slackUserId: address } : {}), ...(channel ? { slackChannel: channel } : {}), level };
    },
  },
  announce: {
    activities: { clock: 'postClockNotice', containment: 'postContainmentNotice' },
    input: ({ stepKey, state, about, mention, policy }: AnnounceRequest<SlackSettings>) => ({ stepKey, state, ...about, mention, ...room(policy) }),
  },
} as const satisfies ChannelDescriptor;

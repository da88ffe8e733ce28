import { Context } from '@temporalio/activity';
import type { IncidentState } from '../core/incident/incident';
import type { ContainmentAction } from '../core/containment/containment';
import type { ClockNotice } from '../core/regulation/legal-clocks';
import { obligationById } from '../core/regulation/regimes';
import { channelNameCandidates, incidentChannelName, incidentChannelPurpose } from '../core/channels/incident-channel';
import { clockNoticeMessage, containmentNoticeMessage, incidentMessage, type ContainmentNotice, statusReply, type PagedAs } from '../core/channels/slack-message';
import type { ChannelDeps } from './channels';
import { OutboxSlack } from './slack-outbox';
import type { PostedMessage, SlackTransport } from './slack-transport';
import { WebApiSlack } from './slack-web-api';
import type { ReviewState } from '../core/reviews/review';
import { reviewSlackMessage, type ReviewNotice } from '../core/reviews/review-messages';

export interface PageInput extends PagedAs {
  stepKey: string;
  state: IncidentState;
}

export function createSlackActivities(transport: SlackTransport, channel: string) {
  return {
    /**
     * Posts the incident message with its buttons: in the incidents channel mentioning the
     * paged responder, or in the channel a level targets.
     */
    async postPage(input: PageInput): Promise<PostedMessage> {
      const message = incidentMessage(input.state, input);
      return transport.post(input.slackChannel ?? channel, message, input.stepKey, Context.current().info.attempt > 1);
    },

    /**
     * Rewrites every message of the incident so each tells the current truth (who acknowledged,
     * when), and with `history`, records the change in the thread of the first message.
     */
    async refreshPages(state: IncidentState, history?: { stepKey: string }): Promise<void> {
      for (const page of state.pages) {
        if (!page.channel || !page.ts) continue;
        await transport.update({ channel: page.channel, ts: page.ts }, incidentMessage(state, page));
      }
      const ch = state.incidentChannel;
      if (ch?.ts) await transport.update({ channel: ch.id, ts: ch.ts }, incidentMessage(state, { slackChannel: ch.id, level: state.level }));
      const root = state.pages.find((p) => p.channel && p.ts);
      if (history && root) await transport.reply({ channel: root.channel!, ts: root.ts! }, statusReply(state), history.stepKey, Context.current().info.attempt > 1);
    },

    /** Tells the DPO and legal that a legal clock reminds or has run out (see clockNoticeMessage). */
    async postClockNotice(input: { stepKey: string; state: IncidentState; notice: ClockNotice; mention: string[]; channel?: string }): Promise<void> {
      const o = obligationById(input.notice.obligation);
      await transport.post(input.channel ?? channel, clockNoticeMessage(input.state, input.notice, input.mention, o), input.stepKey, Context.current().info.attempt > 1);
    },

    /** An approval to give, or a containment action or undo that keeps failing (loud). */
    async postContainmentNotice(input: { stepKey: string; state: IncidentState; action: ContainmentAction; notice: ContainmentNotice; mention: string[]; channel?: string }): Promise<void> {
      await transport.post(input.channel ?? channel, containmentNoticeMessage(input.state, input.action, input.notice, input.mention), input.stepKey, Context.current().info.attempt > 1);
    },

    /** A late post-incident review, or an overdue follow-up action, told in the incidents channel with its people mentioned. */
    async postReviewNotice(input: { stepKey: string; review: ReviewState; notice: ReviewNotice; mention: string[]; channel?: string }): Promise<void> {
      await transport.post(input.channel ?? channel, reviewSlackMessage(input.review, input.notice, input.mention), input.stepKey, Context.current().info.attempt > 1);
    },

    /**
     * A SEV1/SEV2 incident's own channel: created (a colliding name gets a suffix), the
     * policy's responders invited, the brief posted and pinned. Safe to retry at every step.
     */
    async openIncidentChannel(input: { stepKey: string; state: IncidentState; users: string[] }): Promise<{ id: string; name: string; ts: string }> {
      const { state } = input;
      const ch = await transport.createChannel(channelNameCandidates(incidentChannelName(state)), incidentChannelPurpose(state.incidentId));
      if (input.users.length) await transport.invite(ch.id, input.users);
      const brief = await transport.post(ch.id, incidentMessage(state, { slackChannel: ch.id, level: state.level }), `${input.stepKey}/brief`, Context.current().info.attempt > 1);
      await transport.pin(brief);
      return { id: ch.id, name: ch.name, ts: brief.ts };
    },
  };
}

export type SlackActivities = ReturnType<typeof createSlackActivities>;

/** Slack when a bot token is set, the local outbox otherwise. */
export function slackTransportFor(config: ChannelDeps['config']): SlackTransport {
  return config.slack.botToken ? new WebApiSlack(config.slack.botToken, config.slack.apiUrl) : new OutboxSlack(config.outboxDir);
}

/** The worker's Slack activities (activities/channels.ts). */
export const channelActivities = ({ config }: ChannelDeps) => createSlackActivities(slackTransportFor(config), config.slack.channel);

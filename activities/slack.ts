import { Context } from '@temporalio/activity';
import type { IncidentState } from '../core/incident';
import { incidentMessage, type PagedAs, type SlackMessage } from '../core/slack-message';

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
}

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

    /** Rewrites every message of the incident so each tells the current truth (who acknowledged, when). */
    async refreshPages(state: IncidentState): Promise<void> {
      for (const page of state.pages) {
        if (!page.channel || !page.ts) continue;
        await transport.update({ channel: page.channel, ts: page.ts }, incidentMessage(state, page));
      }
    },
  };
}

export type SlackActivities = ReturnType<typeof createSlackActivities>;

import { WebClient } from '@slack/web-api';
import type { SlackApi } from './slack-interactions';

/** The API's own Slack calls (opening the resolve modal), through the real Web API client. */
export function webApiSlack(token: string, apiUrl?: string): SlackApi {
  const client = new WebClient(token, apiUrl ? { slackApiUrl: apiUrl.endsWith('/') ? apiUrl : `${apiUrl}/` } : {});
  return {
    async openView(triggerId, view) {
      await client.views.open({ trigger_id: triggerId, view: view as never });
    },
  };
}

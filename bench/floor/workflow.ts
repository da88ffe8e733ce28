import { proxyActivities } from '@temporalio/workflow';

/**
 * The least a Temporal design can do between an alert and a Slack message: start, run one
 * activity that posts. bench/alert-to-slack.ts times it on the same server as the floor under
 * Klaxon's figure.
 */
const { post } = proxyActivities<{ post(text: string): Promise<void> }>({ startToCloseTimeout: '10 seconds' });

export async function floor(text: string): Promise<void> {
  await post(text);
}

import { ActivityFailure, proxyActivities, type ActivityOptions } from '@temporalio/workflow';
import { channelsWith } from '../core/channels/channels';

/**
 * Channels' activities as the workflows call them: by the names the channel table gives
 * (core/channels/channels.ts), with the inputs its descriptors build. The activities are
 * registered by the worker from activities/<id>.ts, which defines every name its descriptor uses.
 */
export type ChannelActivities = Record<string, (input: object) => Promise<unknown>>;

/** Why an activity failed, as people should read it: the cause, not Temporal's wrapper. */
export const reasonOf = (err: unknown): string => (err instanceof ActivityFailure && err.cause ? err.cause.message : (err as Error).message);

export const channelActivities = (options: ActivityOptions): ChannelActivities => proxyActivities<ChannelActivities>(options);

/**
 * Closes an alarm on every alarm channel, for the addresses it paged; the reason when that failed.
 * The addresses are recorded without their channel (legal clocks, containment): the table has
 * one alarm channel, and test/unit/channels.test.ts keeps it so.
 */
export async function closeAlarm(acts: ChannelActivities, dedupKey: string, addresses: string[]): Promise<string | undefined> {
  try {
    for (const c of channelsWith('alarm')) await acts[c.alarm.close.activity](c.alarm.close.input({ dedupKey, addresses }));
    return undefined;
  } catch (err) {
    return reasonOf(err);
  }
}

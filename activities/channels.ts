import type { Agent } from 'node:https';
import type { KlaxonConfig } from '../config/environment';
import { activityNames, CHANNELS } from '../core/channels/channels';

/** What a channel's activities are built from. */
export interface ChannelDeps {
  config: KlaxonConfig;
  /** TLS for the channels' HTTPS APIs; the system's trusted authorities when absent (tests trust their stand-ins). */
  agent?: Agent;
}

/** What activities/<id>.ts exports for the worker, beside its activities. */
export interface ChannelActivitiesModule {
  channelActivities(deps: ChannelDeps): object;
}

/**
 * The activities of every channel in the table (core/channels/channels.ts), for the worker to
 * register. The table is read by workflows and so cannot import activities (Node-only): each
 * channel's module is found by its id, activities/<id>.ts, and must define every activity its
 * descriptor names, or the worker refuses to start.
 */
export function allChannelActivities(deps: ChannelDeps): Record<string, unknown> {
  const all: Record<string, unknown> = {};
  for (const channel of CHANNELS) {
    const activities = (require(`./${channel.id}`) as ChannelActivitiesModule).channelActivities(deps) as Record<string, unknown>;
    const missing = activityNames(channel).filter((name) => typeof activities[name] !== 'function');
    if (missing.length) throw new Error(`activities/${channel.id}.ts does not define ${missing.join(', ')}, which core/channels/${channel.id}.ts names`);
    Object.assign(all, activities);
  }
  return all;
}

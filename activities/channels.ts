import type { Agent } from 'node:https';
import type { KlaxonConfig } from '../config/environment';
import { activityNames, CHANNELS } from '../core/channels/channels';
import { notifications } from '../telemetry/metrics';

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
    Object.assign(all, activities, { [channel.page.activity]: countedAsSent(channel.id, activities[channel.page.activity] as PageActivity) });
  }
  return all;
}

type PageActivity = (...args: unknown[]) => Promise<unknown>;

/**
 * A channel's page activity, counted in klaxon_notifications_total{outcome="sent"} when it
 * delivers. Failures and failovers are counted from the ledger (telemetry/ledger-metrics.ts),
 * where the workflow records them once, whatever the retries; a delivery is only known here,
 * since the first Slack message of a page is recorded as the page, not as a notification.
 * A drill's pages are not counted (as the ledger's metrics skip its events).
 */
function countedAsSent(channel: string, page: PageActivity): PageActivity {
  return async (...args) => {
    const landed = await page(...args);
    // Every page request carries the incident's state: a drill's pages are not real incidents' figures.
    if (!(args[0] as { state?: { drill?: unknown } } | undefined)?.state?.drill) notifications.inc({ channel, outcome: 'sent' });
    return landed;
  };
}

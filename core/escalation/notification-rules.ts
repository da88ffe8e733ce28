// Workflow-safe: workflow code imports this module; keep Node-only modules out (test/workflow/bundle.test.ts).
import type { Severity } from '../alerts/severity';
import { addressOn, channelById, CHANNELS, type Addresses, type ChannelId } from '../channels/channels';

/**
 * Personal notification rules: how a paged responder is reached, channel after channel.
 * PagerDuty's model, kept per urgency: e.g. Slack at once, PagerDuty after 5 minutes, email
 * after 15. A channel that fails hands over to the next rule at once (failover).
 */
export type Channel = ChannelId;

export interface NotificationRule {
  channel: Channel;
  /** Minutes after the page starts; 0 is at once. */
  afterMinutes: number;
}

export type Urgency = 'high' | 'low';

/** SEV1 and SEV2 are high urgency; SEV3 and SEV4 low. */
export function urgencyOf(severity: Severity): Urgency {
  return severity === 'SEV1' || severity === 'SEV2' ? 'high' : 'low';
}

export function hasChannel(r: Addresses, channel: Channel): boolean {
  return addressOn(channelById(channel), r) !== undefined;
}

/**
 * The rules that apply to a responder at an urgency, in the order they fire: their own, or
 * without any, every channel they have at once.
 */
export function rulesFor(r: Addresses & { notify?: Partial<Record<Urgency, NotificationRule[]>> }, urgency: Urgency): NotificationRule[] {
  const own = r.notify?.[urgency];
  const rules = own ?? CHANNELS.filter((c) => hasChannel(r, c.id)).map((c) => ({ channel: c.id, afterMinutes: 0 }));
  // Stable sort: rules at the same minute keep the order they were written in.
  return [...rules].sort((a, b) => a.afterMinutes - b.afterMinutes);
}

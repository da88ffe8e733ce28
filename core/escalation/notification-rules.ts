// Workflow-safe: workflow code imports this module; keep Node-only modules out (test/workflow/bundle.test.ts).
import type { Severity } from '../alerts/severity';

/**
 * Personal notification rules: how a paged responder is reached, channel after channel.
 * PagerDuty's model, kept per urgency: e.g. Slack at once, PagerDuty after 5 minutes, email
 * after 15. A channel that fails hands over to the next rule at once (failover).
 */
export const CHANNELS = ['slack', 'pagerduty', 'email'] as const;
export type Channel = (typeof CHANNELS)[number];

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

/** Where a responder can be reached, by channel. */
export interface Reachable {
  slackUserId?: string;
  pagerDutyService?: string;
  email?: string;
}

export function hasChannel(r: Reachable, channel: Channel): boolean {
  return Boolean(channel === 'slack' ? r.slackUserId : channel === 'pagerduty' ? r.pagerDutyService : r.email);
}

/**
 * The rules that apply to a responder at an urgency, in the order they fire: their own, or
 * without any, every channel they have at once.
 */
export function rulesFor(r: Reachable & { notify?: Partial<Record<Urgency, NotificationRule[]>> }, urgency: Urgency): NotificationRule[] {
  const own = r.notify?.[urgency];
  const rules = own ?? CHANNELS.filter((c) => hasChannel(r, c)).map((channel) => ({ channel, afterMinutes: 0 }));
  // Stable sort: rules at the same minute keep the order they were written in.
  return [...rules].sort((a, b) => a.afterMinutes - b.afterMinutes);
}

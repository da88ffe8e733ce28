// Workflow-safe: workflow code imports this module; keep Node-only modules out (test/workflow/bundle.test.ts).
import type { AlarmRequest, ChannelDescriptor, PageRequest } from './channel';

/**
 * PagerDuty (activities/pagerduty.ts, Events API v2): a responder is reached through a
 * service whose routing key is configured; every event of an incident shares its dedup key,
 * so a retry never opens a second PagerDuty incident. Also the channel of alarms: an overdue
 * legal clock or a failing containment action pages, and is resolved once settled.
 */
export const pagerduty = {
  id: 'pagerduty',
  contact: {
    /** Name of a PagerDuty service whose Events API routing key is configured (PAGERDUTY_ROUTING_KEYS). */
    pagerDutyService: {},
    /** The responder's PagerDuty user id, so an acknowledgement in PagerDuty counts as theirs. */
    pagerDutyUserId: { format: { pattern: /^P[A-Z0-9]+$/, is: 'a PagerDuty user id (P…)' } },
  },
  address: 'pagerDutyService',
  page: {
    activity: 'triggerPagerDuty',
    input: ({ state, address, responder, level }: PageRequest) => ({ state, service: address, responder, level }),
  },
  alarm: {
    raise: { activity: 'triggerAlarm', input: ({ incidentId, tenant, address, alarm }: AlarmRequest) => ({ incidentId, tenant, service: address, alarm }) },
    close: { activity: 'resolveAlarm', input: ({ dedupKey, addresses }: { dedupKey: string; addresses: string[] }) => ({ dedupKey, services: addresses }) },
  },
} as const satisfies ChannelDescriptor;

import type { Agent } from 'node:https';
import { event } from '@pagerduty/pdjs';
import type { EventPayloadV2 } from '@pagerduty/pdjs/build/src/events';
import { ApplicationFailure } from '@temporalio/common';
import type { Severity } from '../core/alerts/severity';
import type { IncidentState } from '../core/incident/incident';
import type { Alarm } from '../core/escalation/alarms';
import { redact } from '../core/shared/redaction';
import { drillMarked } from '../core/drills/drill';
import type { ChannelDeps } from './channels';

export interface PagerDutySettings {
  /** Events API v2 routing (integration) keys by the service names policies use. */
  routingKeys: Record<string, string>;
  /** host[:port] of the Events API; events.pagerduty.com unless a test points elsewhere. */
  server?: string;
  /** TLS settings, e.g. a test's self-signed certificate authority. */
  agent?: Agent;
  /** Where Klaxon's API is reachable, for the link back from PagerDuty. */
  publicUrl?: string;
}

export interface PagerDutyPageInput {
  state: IncidentState;
  service: string;
  responder: string;
  level: number;
}

export interface PagerDutySyncInput {
  incidentId: string;
  services: string[];
  action: 'acknowledge' | 'resolve';
}

/** A request PagerDuty has not answered by then is abandoned and retried (same dedup_key). */
const REQUEST_TIMEOUT_MS = 10_000;

/** https://developer.pagerduty.com/docs/events-api-v2/trigger-events/ (payload.severity) */
const SEVERITY: Record<Severity, EventPayloadV2['payload']['severity']> = { SEV1: 'critical', SEV2: 'error', SEV3: 'warning', SEV4: 'info' };

/**
 * PagerDuty through the real `@pagerduty/pdjs` client (Events API v2). Every event of an
 * incident carries `dedup_key` = the incident id, so a retried trigger (a crash between
 * sending and recording included) lands on the same PagerDuty incident instead of a second one.
 */
export function createPagerDutyActivities(settings: PagerDutySettings) {
  const keyOf = (service: string): string => {
    // Own properties only: a service named "constructor" must not find Object.prototype's.
    const key = Object.hasOwn(settings.routingKeys, service) ? settings.routingKeys[service] : undefined;
    if (!key) throw ApplicationFailure.nonRetryable(`no routing key is configured for PagerDuty service "${service}" (PAGERDUTY_ROUTING_KEYS)`, 'PagerDutyPermanentError');
    return key;
  };

  const send = async (data: EventPayloadV2): Promise<void> => {
    // pdjs waits out a 429 itself (retryTimeout between tries); what remains goes to Temporal's
    // retries. Its requestTimeout aborts nothing, so the request carries its own deadline.
    const res = await event({ data, server: settings.server, agent: settings.agent, retryTimeout: 1000, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) } as Parameters<typeof event>[0]);
    if (res.status === 202) return;
    const message = `PagerDuty Events API answered ${res.status}: ${JSON.stringify(res.data)}`;
    // 400: the event is invalid (e.g. an unknown routing key); no retry can cure it.
    if (res.status >= 400 && res.status < 500 && res.status !== 429) throw ApplicationFailure.nonRetryable(message, 'PagerDutyPermanentError');
    throw ApplicationFailure.retryable(message, 'PagerDutyUnavailable');
  };

  return {
    /** Triggers (or re-triggers: same dedup_key) the PagerDuty incident of a Klaxon incident. */
    async triggerPagerDuty(input: PagerDutyPageInput): Promise<void> {
      const s = input.state;
      await send({
        routing_key: keyOf(input.service),
        event_action: 'trigger',
        dedup_key: s.incidentId,
        payload: {
          summary: drillMarked(s, 'pagerduty', redact(`${s.severity} ${s.tenant}: ${s.title}`)).slice(0, 1024),
          source: 'klaxon',
          severity: SEVERITY[s.severity],
          timestamp: s.openedAt,
          component: s.service,
          group: s.tenant,
          class: s.dataCategories.join(', ') || 'unknown',
          custom_details: { incident: s.incidentId, level: input.level, paged: input.responder, dataCategories: s.dataCategories, surfaces: s.surfaces, alertCount: s.alertCount },
        },
        links: settings.publicUrl ? [{ href: `${settings.publicUrl}/v1/incidents/${s.incidentId}`, text: 'Klaxon incident' }] : [],
      });
    },

    /** A page apart from the incident's own (an overdue legal clock, a failing containment action). */
    async triggerAlarm(input: { incidentId: string; tenant: string; service: string; alarm: Alarm }): Promise<void> {
      const a = input.alarm;
      await send({
        routing_key: keyOf(input.service),
        event_action: 'trigger',
        dedup_key: a.dedupKey,
        payload: {
          summary: redact(a.summary).slice(0, 1024),
          source: 'klaxon',
          severity: 'critical',
          timestamp: a.timestamp,
          component: a.component,
          group: input.tenant,
          class: a.class,
          custom_details: a.details,
        },
        links: settings.publicUrl ? [{ href: `${settings.publicUrl}/v1/incidents/${input.incidentId}`, text: 'Klaxon incident' }] : [],
      });
    },

    /** What the alarm was about is settled: resolved in PagerDuty. */
    async resolveAlarm(input: { dedupKey: string; services: string[] }): Promise<void> {
      for (const service of input.services) {
        await send({ routing_key: keyOf(service), event_action: 'resolve', dedup_key: input.dedupKey } as EventPayloadV2);
      }
    },

    /** Keeps PagerDuty's incidents in step with Klaxon's: acknowledged or resolved there too. */
    async syncPagerDuty(input: PagerDutySyncInput): Promise<void> {
      for (const service of input.services) {
        await send({ routing_key: keyOf(service), event_action: input.action, dedup_key: input.incidentId } as EventPayloadV2);
      }
    },
  };
}

export type PagerDutyActivities = ReturnType<typeof createPagerDutyActivities>;

/** The worker's PagerDuty activities (activities/channels.ts). */
export const channelActivities = ({ config, agent }: ChannelDeps) => createPagerDutyActivities({ ...config.pagerduty, publicUrl: config.publicUrl, agent });

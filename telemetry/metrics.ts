import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { SEVERITIES } from '../core/alerts/severity';
import { CHANNELS } from '../core/channels/channels';
import { SOURCES } from '../core/sources/registry';

/**
 * Klaxon's own Prometheus metrics, one registry per process: the API's and the worker's (the
 * embedded stack, which runs both, serves them together). Every label value passes through
 * `bounded` (or is a fixed word): a label takes its value from a short list the code knows,
 * never from what was sent, so no incident id, tenant, dedup key or title reaches a series and
 * the number of series stays fixed whatever the traffic.
 */
export const registry = new Registry();
collectDefaultMetrics({ register: registry });
// Gauges that prom-client names like counters: `promtool check metrics` refuses them, and the
// process's handles say nothing an operator of Klaxon acts on.
for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) registry.removeSingleMetric(name);

/** `value` when it is one of `known`, else "other": what keeps a label's values bounded. */
export function bounded(value: string | undefined, known: Iterable<string>): string {
  for (const k of known) if (k === value) return value;
  return 'other';
}

export const severityLabel = (severity: string | undefined): string => bounded(severity, SEVERITIES);
export const sourceLabel = (source: string): string => bounded(source, SOURCES.keys());
export const channelLabel = (channel: string | undefined): string => bounded(channel, CHANNELS.map((c) => c.id));

export const alertsReceived = new Counter({
  name: 'klaxon_alerts_received_total',
  help: 'Alerts received by source and outcome: opened (a new incident), joined (an open incident), held (by a maintenance window), replayed (a delivery taken before), resolution, test, ignored, refused (4xx), unavailable (503: Temporal or the ledger did not take it)',
  labelNames: ['source', 'outcome'] as const,
  registers: [registry],
});

/** Alerts a maintenance window held back (accepted and recorded, nobody paged), by source. */
export const alertsHeld = new Counter({
  name: 'klaxon_alerts_held_total',
  help: 'Alerts held back by a maintenance window (accepted and recorded in the ledger, nobody paged), by source',
  labelNames: ['source'] as const,
  registers: [registry],
});

export const alertLastReceived = new Gauge({
  name: 'klaxon_alert_last_received_timestamp_seconds',
  help: 'When a source last delivered something Klaxon took (an alert, a resolution, a test, an ignored event): a source that goes quiet hides a leak',
  labelNames: ['source'] as const,
  registers: [registry],
});

export const httpRequestDuration = new Histogram({
  name: 'klaxon_http_request_duration_seconds',
  help: 'API requests by method, route template (never the path sent) and status',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  registers: [registry],
});

export const incidentsOpened = new Counter({
  name: 'klaxon_incidents_opened_total',
  help: 'Incidents opened, by the severity they opened with',
  labelNames: ['severity'] as const,
  registers: [registry],
});

export const notifications = new Counter({
  name: 'klaxon_notifications_total',
  help: 'Notifications by channel and outcome: sent, failed (no channel left), failed_over (another channel takes it), cancelled (called off when the incident was acknowledged or closed)',
  labelNames: ['channel', 'outcome'] as const,
  registers: [registry],
});

export const alertToFirstPage = new Histogram({
  name: 'klaxon_alert_to_first_page_seconds',
  help: "From an incident's first alert to its first page (as the ledger records it: when the page started), by the severity it opened with",
  labelNames: ['severity'] as const,
  buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 15, 60, 300, 900, 3600],
  registers: [registry],
});

export const timeToAcknowledge = new Histogram({
  name: 'klaxon_time_to_acknowledge_seconds',
  help: "From an incident's first alert to its first acknowledgement, by the severity it opened with",
  labelNames: ['severity'] as const,
  buckets: [30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 43200],
  registers: [registry],
});

export const ledgerAppend = new Histogram({
  name: 'klaxon_ledger_append_seconds',
  help: 'One ledger append by the worker, by outcome: stored, duplicate (a retry of a step already written), substituted (refused by the database for good, a ledger.unstorable written instead), failed (to be retried)',
  labelNames: ['outcome'] as const,
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  registers: [registry],
});

export const containmentActions = new Counter({
  name: 'klaxon_containment_actions_total',
  help: 'Containment actions by kind (isolate-tenant, throttle-provisioning…) and the state they reached (proposed, requested, approved, applied, failed, undone…)',
  labelNames: ['kind', 'state'] as const,
  registers: [registry],
});

export const heartbeats = new Counter({
  name: 'klaxon_heartbeats_total',
  help: "Beats of heartbeat monitors, by how they came (http: POST /v1/heartbeats/<name>; alert: an alert of the monitor's source, at most one a second per monitor) and outcome: accepted, replayed (signed bytes sent again: not a beat), refused (4xx), unavailable (Temporal did not take it). Not by monitor: names carry tenants, and a silence is an incident",
  labelNames: ['via', 'outcome'] as const,
  registers: [registry],
});

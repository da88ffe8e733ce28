import type { Alert } from '../alerts/alert';
import type { Severity } from '../alerts/severity';
import type { SourceResolution } from '../sources/source';

/**
 * A heartbeat monitor, declared in a policy (`heartbeats:`): something that must show signs of
 * life at least every `intervalSeconds`, because a source that goes quiet hides a leak. It is fed
 * by signed `POST /v1/heartbeats/<name>` and, when `source` is named, by every alert Klaxon takes
 * from that source for `tenant`. Silence longer than the interval opens an incident under the
 * policy that declares it; the next beat resolves it as a source's "resolved" does.
 */
export interface HeartbeatMonitor {
  /** Unique across the policy file: the path names it, and the body signed names it again. */
  name: string;
  /** Whose incident the silence is (and part of the watch's workflow id). */
  tenant: string;
  intervalSeconds: number;
  /** The severity of the incident its silence opens. */
  severity: Severity;
  /** An alert source (`POST /v1/alerts/<source>`) whose alerts for the tenant count as beats. */
  source?: string;
}

/**
 * The shortest interval is ten seconds, not a minute: an exporter or a cron job may beat that
 * often, and the end-to-end test waits out a real silence. Ten seconds still bounds the watch's
 * timers to a few per minute. The longest, a week, is the longest cron cycle worth watching.
 */
export const HEARTBEAT_INTERVAL_SECONDS = { min: 10, max: 7 * 24 * 60 * 60 } as const;

/** A monitor's name is a path segment, part of a workflow id and of a dedup key: a safe alphabet, bounded. */
export const MONITOR_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** The source incidents opened and resolved by a heartbeat monitor name (ledger, timeline). */
export const HEARTBEAT_SOURCE = 'heartbeat';

/**
 * The id of a monitor's watch (workflows/heartbeat.ts). ":" is in neither a tenant's nor a
 * name's alphabet, so no two monitors share one. The tenant is part of it: a monitor moved to
 * another tenant is a new watch, and the old one ends at its next due check (it is no longer
 * declared).
 */
export function heartbeatWorkflowId(monitor: Pick<HeartbeatMonitor, 'tenant' | 'name'>): string {
  return `heartbeat:${monitor.tenant}:${monitor.name}`;
}

/** `15 min`, `10 s`, `2 h`, `1 day`: the largest unit the interval is a whole number of. */
export function describeInterval(seconds: number): string {
  const units: Array<[number, string, string]> = [[86_400, 'day', 'days'], [3600, 'h', 'h'], [60, 'min', 'min'], [1, 's', 's']];
  const [size, one, many] = units.find(([n]) => seconds % n === 0) ?? units[3];
  const count = seconds / size;
  return `${count} ${count === 1 ? one : many}`;
}

/** One silence of a monitor, as its watch hands it to the activities that open and resolve its incident. */
export interface Silence {
  monitor: HeartbeatMonitor;
  /** The watch's workflow id and first run: with `number`, what makes the silence's delivery ids unique. */
  watch: string;
  /** The how-manieth silence of this watch, carried across continue-as-new. */
  number: number;
  lastBeatAt: string;
  /** When the watch found the monitor silent (workflow time). */
  at: string;
}

/** The dedup key of a monitor's incidents: one incident per monitor, whatever else the tenant has open. */
export const heartbeatDedupKey = (monitor: Pick<HeartbeatMonitor, 'name'>): string => `heartbeat:${monitor.name}`;

export function silenceTitle(monitor: HeartbeatMonitor): string {
  return `No heartbeat from ${monitor.name} of ${monitor.tenant} for ${describeInterval(monitor.intervalSeconds)}`;
}

/**
 * The alert a silence raises. Classified here, not by the rules file: it is Klaxon's own
 * finding about a monitor the policy declares, with no data category (no legal clock starts on
 * a missing heartbeat) and the service `heartbeat`, which routes and filters can name.
 */
export function silenceAlert(silence: Silence): Alert {
  const { monitor } = silence;
  return {
    source: HEARTBEAT_SOURCE,
    title: silenceTitle(monitor),
    severity: monitor.severity,
    dedupKey: heartbeatDedupKey(monitor),
    tenant: monitor.tenant,
    dataCategories: [],
    details: {
      monitor: monitor.name,
      lastBeatAt: silence.lastBeatAt,
      intervalSeconds: monitor.intervalSeconds,
      fedBy: monitor.source ? `POST /v1/heartbeats/${monitor.name} and alerts from ${monitor.source}` : `POST /v1/heartbeats/${monitor.name}`,
    },
    deliveryId: `${silence.watch}/silence-${silence.number}`,
    receivedAt: silence.at,
    classification: { service: HEARTBEAT_SOURCE, surfaces: [], jurisdictions: [] },
  };
}

/** The beat that ends a silence, as a source's "resolved" of the silence's incident. */
export function resumption(silence: Silence, resumedAt: string): SourceResolution {
  return {
    source: HEARTBEAT_SOURCE,
    title: silenceTitle(silence.monitor),
    labels: {},
    tenant: silence.monitor.tenant,
    dedupKey: heartbeatDedupKey(silence.monitor),
    deliveryId: `${silence.watch}/resumed-${silence.number}`,
    resolvedAt: resumedAt,
  };
}

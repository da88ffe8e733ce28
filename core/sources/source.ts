import type { Alert } from '../alerts/alert';
import { JsonBodyError, parseBoundedJson } from '../shared/bounded-json';
import type { GroupedSource, Grouping } from './grouping';
import type { SpikeHit } from './spike-windows';
import type { VercelRules } from './vercel-rules';

/** A webhook request as a source sees it: headers, the exact bytes, and when it arrived. */
export interface SourceRequest {
  header(name: string): string | undefined;
  rawBody: Buffer;
  receivedAt: Date;
}

/** A source saying that something it alerted on is over (Alertmanager `resolved`, Sentry `resolved`). */
export interface SourceResolution {
  source: string;
  /** What the alert said, so classification rules can give the resolution the alert's tenant. */
  title: string;
  labels: Record<string, string>;
  tenant: string;
  dedupKey: string;
  deliveryId: string;
  resolvedAt: string;
  /** The resolved alert of a group (core/alerts/alert-group.ts): the incident resolves when all its members have. */
  member?: { fingerprint: string; startsAt: string };
}

/**
 * Something a source accepted and deliberately did nothing with (a Sentry comment, a Datadog
 * "No Data", a Vercel batch no detector matched). Never silent: the API answers it, logs it and
 * counts it by source and reason, and records it in the ledger of the incident it belongs to.
 */
export interface SourceIgnored {
  /**
   * Why, in Klaxon's words and never the sender's: it is logged and is a counter's label, so it
   * comes from a fixed vocabulary and quotes nothing of the request.
   */
  reason: string;
  /**
   * What it concerns, when it names something Klaxon may have an incident for (a Sentry issue
   * assigned, a Datadog monitor's No Data): classified as a resolution is, to find the incident.
   */
  about?: Pick<SourceResolution, 'title' | 'labels' | 'tenant' | 'dedupKey'>;
  deliveryId: string;
}

/**
 * A tool's own "test this contact point" (Grafana's Test, Datadog's [TEST] notifications, Klaxon's
 * `test: true`): proof that the wiring works, recorded and answered, paging nobody.
 */
export interface SourceTest {
  source: string;
  /** How the source recognised it, in Klaxon's words (e.g. "Grafana contact-point test"). */
  recognisedAs: string;
  deliveryId: string;
  receivedAt: string;
}

export interface SourceResult {
  alerts: Alert[];
  resolutions: SourceResolution[];
  /** Lines that matched a status-spike detector: the client counts them in windows shared by every API replica, and pages for those that reach their threshold. */
  spikeHits?: SpikeHit[];
  ignored?: SourceIgnored[];
  tests?: SourceTest[];
}

export interface SourceSettings {
  /** Secret values by environment variable name. */
  secrets: Record<string, string | undefined>;
  /** Tenant of alerts that name none (flagged for triage in their details). */
  defaultTenant: string;
  /** Per source, one incident per notification group (the default) or per alert (the `grouping` section of the rules file). */
  grouping?: Partial<Record<GroupedSource, Grouping>>;
  /** The Vercel detectors (the `vercel` section of the rules file). */
  vercel?: VercelRules;
}

/** The request is refused; `status` and the message go back to the sender, nothing is recorded. */
export class SourceRejection extends Error {
  override readonly name = 'SourceRejection';
  constructor(
    readonly status: 400 | 401 | 415 | 422,
    message: string,
    readonly problems?: string[],
  ) {
    super(message);
  }
}

export interface AlertSource {
  name: string;
  /** Environment variables holding its credentials; `requires` says which must be set. */
  secretVariables: string[];
  /** Which of `secretVariables` must be set: all of them, or any one (alternative auth schemes). */
  requires: 'all' | 'any';
  /**
   * How long its deliveries are remembered against replays once Temporal took them (see
   * REPLAY_MEMORY_SECONDS). Absent for sources authenticated by a bearer token: the token
   * binds a request to neither a moment nor a body, and those tools resend a firing alert
   * on purpose.
   */
  replayWindowSeconds?: number;
  /** Content types it takes; application/json when not said. */
  contentTypes?: string[];
  /** The largest body it takes, when smaller than the API's (client/api/http.ts MAX_BODY_BYTES): 413 beyond it. */
  maxBodyBytes?: number;
  /** Authenticates and parses a request; throws SourceRejection. */
  receive(req: SourceRequest, settings: SourceSettings): SourceResult;
}

/** The body as JSON, its depth bounded (core/shared/bounded-json.ts); 400 naming what is wrong. */
export function parseJsonBody(raw: Buffer): unknown {
  try {
    return parseBoundedJson(raw.toString('utf8'));
  } catch (err) {
    if (err instanceof JsonBodyError) throw new SourceRejection(400, err.message);
    throw err;
  }
}

import { timingSafeEqual } from 'node:crypto';
import { registry } from './metrics';

/** How long a scrape waits for the Temporal SDK's exporter before answering without its metrics. */
const SDK_TIMEOUT_MS = 2_000;

export const EXPOSITION_CONTENT_TYPE = registry.contentType;

/**
 * The process's metrics in Prometheus's text format: Klaxon's own (telemetry/metrics.ts) and,
 * when the Temporal runtime exports its own (telemetry/temporal-runtime.ts), the SDK's
 * (`temporal_*`: task-queue polls, schedule-to-start latency, sticky cache…), so one scrape
 * target per process has both. The SDK's exporter listens on loopback only; a scrape it cannot
 * answer in time still gets Klaxon's metrics, with klaxon_sdk_metrics_up 0.
 */
export async function metricsExposition(sdkMetricsUrl?: string): Promise<string> {
  const own = await registry.metrics();
  if (!sdkMetricsUrl) return own;
  const sdk = await fetch(sdkMetricsUrl, { signal: AbortSignal.timeout(SDK_TIMEOUT_MS) })
    .then((r) => (r.ok ? r.text() : undefined))
    .catch(() => undefined);
  const up = `# HELP klaxon_sdk_metrics_up 1 when the Temporal SDK's metrics were read for this scrape\n# TYPE klaxon_sdk_metrics_up gauge\nklaxon_sdk_metrics_up ${sdk === undefined ? 0 : 1}\n`;
  return `${own}\n${up}${sdk ? `\n${sdk.endsWith('\n') ? sdk : `${sdk}\n`}` : ''}`;
}

/** The refusal of a scrape without the operator's token (KLAXON_METRICS_TOKEN). */
export const METRICS_TOKEN_REFUSAL = '/metrics needs the bearer token the operator configured (KLAXON_METRICS_TOKEN)';

/** Whether a scrape may read the metrics: no token configured, or `authorization` carries it (compared in constant time). */
export function scrapeAllowed(authorization: string | undefined, token: string | undefined): boolean {
  if (!token) return true;
  const sent = Buffer.from(authorization ?? '');
  const expected = Buffer.from(`Bearer ${token}`);
  return sent.length === expected.length && timingSafeEqual(sent, expected);
}

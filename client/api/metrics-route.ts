import type { IncomingMessage } from 'node:http';
import { EXPOSITION_CONTENT_TYPE, metricsExposition, METRICS_TOKEN_REFUSAL, scrapeAllowed } from '../../telemetry/exposition';
import { header, HttpError, TextBody } from './http';

/**
 * `GET /metrics`: the process's metrics for Prometheus. Label values are bounded and hold nothing
 * personal (telemetry/metrics.ts), so the endpoint is open unless the operator sets a token
 * (KLAXON_METRICS_TOKEN; Prometheus sends it with `authorization` in its scrape config).
 */
export async function metricsRoute(req: IncomingMessage, sdkMetricsUrl: string | undefined, token: string | undefined): Promise<{ status: number; body: TextBody }> {
  if (!scrapeAllowed(header(req, 'authorization'), token)) throw new HttpError(401, METRICS_TOKEN_REFUSAL);
  return { status: 200, body: new TextBody(await metricsExposition(sdkMetricsUrl), EXPOSITION_CONTENT_TYPE) };
}

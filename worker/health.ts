import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import { readiness, type ReadinessChecks } from '../client/api/readiness';
import { EXPOSITION_CONTENT_TYPE, metricsExposition, METRICS_TOKEN_REFUSAL, scrapeAllowed } from '../telemetry/exposition';

export interface WorkerHealthOptions {
  alive: () => boolean;
  checks: ReadinessChecks;
  /** The Temporal SDK's exporter (telemetry/temporal-runtime.ts), served with the worker's own metrics. */
  sdkMetricsUrl?: string;
  /** When set, `/metrics` answers only `Authorization: Bearer <this>`. */
  metricsToken?: string;
}

/**
 * The worker's HTTP port, for an orchestrator's probes and Prometheus (KLAXON_WORKER_HEALTH_PORT):
 * `/healthz` is 200 while the worker runs (503 once it stopped or failed), `/readyz` checks
 * Temporal and the ledger as the API's does, `/metrics` is the worker's metrics and the SDK's.
 * Nothing else is served; no outside input is read beyond the path and that one header.
 */
export async function startWorkerHealth(port: number, host: string, options: WorkerHealthOptions): Promise<Server> {
  const server = createServer((req, res) => {
    const answer = (status: number, body: unknown, type = 'application/json; charset=utf-8') => {
      res.writeHead(status, { 'content-type': type });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    };
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET') return answer(405, { error: `${req.method} is not served here: GET /healthz, /readyz or /metrics` });
    if (path === '/healthz') return options.alive() ? answer(200, { ok: true }) : answer(503, { ok: false, error: 'the worker is not running' });
    const failed = (err: Error) => answer(500, { error: err.message });
    if (path === '/readyz') return void readiness(options.checks).then((r) => answer(r.status, r.body), failed);
    if (path === '/metrics') {
      if (!scrapeAllowed(req.headers.authorization, options.metricsToken)) return answer(401, { error: METRICS_TOKEN_REFUSAL });
      return void metricsExposition(options.sdkMetricsUrl).then((text) => answer(200, text, EXPOSITION_CONTENT_TYPE), failed);
    }
    answer(404, { error: 'GET /healthz, /readyz or /metrics' });
  });
  server.listen(port, host);
  await once(server, 'listening');
  return server;
}

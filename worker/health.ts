import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import { readiness, type ReadinessChecks } from '../client/api/readiness';

/**
 * The worker's health, for an orchestrator's probes (KLAXON_WORKER_HEALTH_PORT): `/healthz` is
 * 200 while the worker runs (503 once it stopped or failed), `/readyz` checks Temporal and the
 * ledger as the API's does. Nothing else is served; no outside input is read beyond the path.
 */
export async function startWorkerHealth(port: number, host: string, alive: () => boolean, checks: ReadinessChecks): Promise<Server> {
  const server = createServer((req, res) => {
    const answer = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify(body));
    };
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET') return answer(405, { error: `${req.method} is not served here: GET /healthz or /readyz` });
    if (path === '/healthz') return alive() ? answer(200, { ok: true }) : answer(503, { ok: false, error: 'the worker is not running' });
    if (path === '/readyz') {
      return void readiness(checks).then(
        (r) => answer(r.status, r.body),
        (err: Error) => answer(500, { error: err.message }),
      );
    }
    answer(404, { error: 'GET /healthz or /readyz' });
  });
  server.listen(port, host);
  await once(server, 'listening');
  return server;
}

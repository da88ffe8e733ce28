import { once } from 'node:events';
import type { AddressInfo, Server } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import { complianceDeps } from '../../client/api/compliance';
import { apiDepsFromConfig, createApiServer } from '../../client/api/server';
import { Incidents } from '../../client/incidents';
import { openDatabase } from '../../ledger/database';
import { Child, freePort } from '../support/processes';
import { apiProcessEnv, startTestStack, type TestStack } from '../support/stack';
import { TcpProxy } from '../support/tcp-proxy';
import { closeServer, track } from '../support/teardown';
import { waitFor } from '../support/waiting';

/** /readyz names what the API cannot reach (Temporal, the ledger); /healthz stays a liveness check. */
let stack: TestStack;
let temporalProxy: TcpProxy;
let ledgerProxy: TcpProxy;
let apiUrl: string;

beforeAll(async () => {
  stack = await startTestStack();
  const [host, port] = stack.env.address.split(':');
  temporalProxy = new TcpProxy({ host, port: Number(port) });
  const db = new URL(stack.db.url);
  ledgerProxy = new TcpProxy({ host: db.hostname, port: Number(db.port || 5432) });
  await Promise.all([temporalProxy.start(), ledgerProxy.start()]);
  db.port = String(ledgerProxy.port);
  const pool = track(openDatabase(db.toString()), (p) => p.end());
  const connection = track(await Connection.connect({ address: `127.0.0.1:${temporalProxy.port}` }), (c) => c.close());
  const client = new Client({ connection });
  const api: Server = track(createApiServer({ ...apiDepsFromConfig(stack.config, new Incidents(client, stack.config.temporal.taskQueue), complianceDeps(pool, client)), log: () => undefined }), closeServer);
  api.listen(0, '127.0.0.1');
  await once(api, 'listening');
  apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
});
afterAll(() => stack?.stop());

const get = async (path: string) => {
  const res = await fetch(`${apiUrl}${path}`);
  return { status: res.status, body: (await res.json()) as { ready?: boolean; checks?: Record<string, string> } };
};

describe('readiness', () => {
  it('is ready when Temporal and the ledger answer', async () => {
    expect(await get('/readyz')).toEqual({ status: 200, body: { ready: true, checks: { temporal: 'ok', ledger: 'ok' } } });
  });

  it('answers 503 naming the ledger when its database is unreachable, while /healthz stays 200', async () => {
    ledgerProxy.cut();
    try {
      const r = await get('/readyz');
      expect(r.status).toBe(503);
      expect(r.body.checks).toEqual({ temporal: 'ok', ledger: expect.stringMatching(/^down: /) });
      expect((await get('/healthz')).status).toBe(200);
    } finally {
      ledgerProxy.restore();
    }
    await waitFor('the ledger back', async () => (await get('/readyz')).status === 200);
  });

  it('answers 503 naming Temporal when its frontend is unreachable, within the bound', async () => {
    temporalProxy.cut();
    try {
      // The check is bounded (2 s): an orchestrator's probe gets an answer, not a hang.
      const r = await get('/readyz');
      expect(r.status).toBe(503);
      expect(r.body.checks).toEqual({ temporal: expect.stringMatching(/^down: /), ledger: 'ok' });
    } finally {
      temporalProxy.restore();
    }
    await waitFor('Temporal back', async () => (await get('/readyz')).status === 200, 30_000);
  });
});

describe("the worker's health server", () => {
  it('answers /healthz while the worker runs, and /readyz naming Temporal when it is away', async () => {
    const port = await freePort();
    const worker = Child.start(process.execPath, ['--import', 'tsx', 'worker/main.ts'], {
      ...apiProcessEnv(stack, await freePort()),
      TEMPORAL_ADDRESS: `127.0.0.1:${temporalProxy.port}`,
      KLAXON_TASK_QUEUE: 'klaxon-health',
      DATABASE_URL: stack.db.url,
      KLAXON_WORKER_HEALTH_PORT: String(port),
    });
    await worker.waitForOutput('health on');
    const at = (path: string) => fetch(`http://127.0.0.1:${port}${path}`).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, unknown> }));
    expect(await at('/healthz')).toEqual({ status: 200, body: { ok: true } });
    expect(await at('/readyz')).toEqual({ status: 200, body: { ready: true, checks: { temporal: 'ok', ledger: 'ok' } } });
    temporalProxy.cut();
    try {
      const r = await at('/readyz');
      expect(r.status).toBe(503);
      expect(r.body.checks).toEqual({ temporal: expect.stringMatching(/^down: /), ledger: 'ok' });
      expect((await at('/healthz')).status).toBe(200);
    } finally {
      temporalProxy.restore();
    }
    // The same port serves the worker's metrics, with the Temporal SDK's.
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toMatch(/^klaxon_sdk_metrics_up 1$/m);
    expect((await at('/other')).status).toBe(404);
  });
});

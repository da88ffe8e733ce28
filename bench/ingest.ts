import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { Client, Connection } from '@temporalio/client';
import type { Alert } from '../core/alerts/alert';
import { loadConfig } from '../config/environment';
import { klaxonSignatureHeader } from '../core/shared/signature';
import { Incidents } from '../client/incidents';
import { Child, isolatedStackEnv } from '../test/support/processes';
import { runBench } from './run-bench';

/**
 * Alerts per second accepted by POST /v1/alerts/generic on the embedded stack (distinct keys,
 * so every alert opens an incident), next to raw signal-with-start calls per second from a
 * plain client, measured in one run, each run on a fresh embedded stack (about 4 minutes).
 *   npx tsx bench/ingest.ts            (BENCH_SECONDS=30, BENCH_CONNECTIONS=50)
 * The raw calls carry what the API's request carries (client/incidents.ts `open`: the same
 * payloads and the incident's start attributes) for the same incident workflows on the same task
 * queue. They are signal-with-start, what a production API sends; the embedded stack's API starts
 * a new incident eagerly instead (its first workflow task handed to the worker in its process),
 * which a client in this process cannot ask for. The ratio is the API's cost, eager start included.
 */
const SECONDS = Number(process.env.BENCH_SECONDS || 30);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS || 50);
const SECRET = 'whsec_bench';

async function rawSignalWithStart(address: string, env: NodeJS.ProcessEnv): Promise<number> {
  const connection = await Connection.connect({ address });
  const config = loadConfig(env);
  // The request the API sends for an alert (its payloads, the incident's start attributes), from a plain client.
  const incidents = new Incidents(new Client({ connection }), config.temporal.taskQueue);
  const deadline = Date.now() + SECONDS * 1000;
  let done = 0;
  let next = 0;
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (Date.now() < deadline) {
        const i = next++;
        const alert: Alert = {
          source: 'generic', title: 'Bench alert', severity: 'SEV2', dedupKey: `raw-${i}`, tenant: 'bench', dataCategories: [], details: {},
          deliveryId: `raw-${process.pid}-${i}`, receivedAt: new Date().toISOString(),
        };
        await incidents.open([alert], config.policies.policies[0]);
        done += 1;
      }
    }),
  );
  await connection.close();
  return done / SECONDS;
}

async function klaxonApi(apiUrl: string): Promise<autocannon.Result> {
  let i = 0;
  return autocannon({
    url: `${apiUrl}/v1/alerts/generic`,
    method: 'POST',
    connections: CONNECTIONS,
    duration: SECONDS,
    headers: { 'content-type': 'application/json' },
    requests: [
      {
        setupRequest: (req) => {
          const body = JSON.stringify({ title: 'Bench alert', severity: 'SEV2', tenant: 'bench', dedupKey: `bench-${process.pid}-${i++}` });
          return { ...req, body, headers: { ...req.headers, 'klaxon-signature': klaxonSignatureHeader(SECRET, body, Math.floor(Date.now() / 1000)) } };
        },
      },
    ],
  });
}

/**
 * Runs `measure` on an embedded stack of its own (fresh data directory): each side starts on an
 * empty dev server, so neither pays for the incidents the other left open.
 */
async function onFreshStack<T>(measure: (env: NodeJS.ProcessEnv) => Promise<T>): Promise<T> {
  const dataDir = mkdtempSync(join(tmpdir(), 'klaxon-ingest-'));
  const env: NodeJS.ProcessEnv = { ...(await isolatedStackEnv(dataDir)), KLAXON_WEBHOOK_SECRET: SECRET };
  const stack = Child.start(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], env);
  try {
    await stack.waitForOutput('Klaxon is running');
    return await measure(env);
  } finally {
    stack.process.kill('SIGINT');
    await stack.exited;
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * The two arms in the order raw, API, API, raw (each on a fresh stack), and each arm's mean: run
 * once each, one after the other, the ratio moved between 0.66 × and 0.90 × on the same code
 * (the dev server's SQLite waits on the disk, and how much depends on what the machine wrote just
 * before); in this order each arm runs both early and late, and the ratio is of two runs each.
 */
async function main(): Promise<void> {
  const raws: number[] = [];
  const apis: number[] = [];
  for (const arm of ['raw', 'api', 'api', 'raw'] as const) {
    if (arm === 'raw') {
      const rate = await onFreshStack((env) => rawSignalWithStart(`127.0.0.1:${env.KLAXON_TEMPORAL_PORT}`, env));
      raws.push(rate);
      console.log(`raw signalWithStart (plain client, ${CONNECTIONS} concurrent, ${SECONDS} s): ${rate.toFixed(0)} calls/s`);
    } else {
      const api = await onFreshStack((env) => klaxonApi(`http://127.0.0.1:${env.PORT}`));
      apis.push(api['2xx'] / SECONDS);
      console.log(
        `POST /v1/alerts/generic (autocannon, ${CONNECTIONS} connections, ${SECONDS} s): ${(api['2xx'] / SECONDS).toFixed(0)} alerts/s accepted (202), ` +
          `${api.non2xx} refused, ${api.errors} errors; latency p50 ${api.latency.p50} ms, p99 ${api.latency.p99} ms`,
      );
    }
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  console.log(`mean of each arm: API ${mean(apis).toFixed(0)} alerts/s, raw ${mean(raws).toFixed(0)} calls/s`);
  console.log(`ratio: ${(mean(apis) / mean(raws)).toFixed(2)} × the raw rate (target ≥ 0.9 ×)`);
}

runBench(main);

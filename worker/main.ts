import { readFileSync } from 'node:fs';
import { NativeConnection } from '@temporalio/worker';
import { loadConfig } from '../config/environment';
import { openDatabase } from '../ledger/database';
import { migrate } from '../ledger/migrate';
import { LedgerStore } from '../ledger/store';
import { ContainmentAdapters } from '../activities/containment';
import { connectIncidents } from '../client/connect';
import { connectionOptions, withConnectionHint } from '../config/temporal-connection';
import { scheduleHistoryArchive } from './history-archiver';
import { scheduleCoverageCheck } from './coverage-check';
import { startHandoffWatches } from './handoff-notices';
import { HistoryArchive } from '../ledger/history-archive';
import { createKlaxonWorker } from './worker';
import { startWorkerHealth } from './health';
import { installTemporalRuntime } from '../telemetry/temporal-runtime';
import { startTracing, stopTracing } from '../telemetry/tracing';
import { componentLogger, TemporalLogBridge } from '../telemetry/log';

const log = componentLogger('worker');
import { READINESS_TIMEOUT_MS } from '../client/api/readiness';

/** The worker process of the production shape (docker-compose `worker` service). */
async function main(): Promise<void> {
  const config = loadConfig(process.env, (path) => readFileSync(path, 'utf8'));
  if (!config.databaseUrl) throw new Error('DATABASE_URL must name the ledger database (PostgreSQL)');
  for (const notice of config.notices) log.info(notice);
  const db = openDatabase(config.databaseUrl);
  const applied = await migrate(db);
  if (applied.length) log.info(`applied ledger migrations ${applied.join(', ')}`);
  // Before the client and the worker exist: their interceptors come with tracing (OTEL_* variables).
  startTracing(process.env, 'klaxon-worker');
  // Before any connection: the runtime exports the SDK's metrics, which /metrics serves.
  const sdkMetricsUrl = await installTemporalRuntime({ logger: new TemporalLogBridge() });
  const connection = await withConnectionHint(config.temporal, NativeConnection.connect(connectionOptions(config.temporal)));
  const containment = new ContainmentAdapters(config.containment);
  const ledger = new LedgerStore(db);
  const { incidents, client, connection: clientConnection } = await connectIncidents(config);
  const worker = await createKlaxonWorker({ connection, config, ledger, containment, incidents, archive: { client, store: new HistoryArchive(db) } });
  // Closed incidents' histories go into the ledger's archive before namespace retention ends them.
  await scheduleHistoryArchive(client, config.temporal.taskQueue, config.archiveIntervalMinutes);
  // The daily coverage check posts new gaps to each policy's channel (worker/coverage-check.ts).
  await scheduleCoverageCheck(client, config.temporal.taskQueue);
  await startHandoffWatches(client, config.temporal.taskQueue, config.policies.policies);
  const health =
    config.workerHealthPort === undefined
      ? undefined
      : await startWorkerHealth(config.workerHealthPort, config.api.host, {
          alive: () => worker.getState() === 'RUNNING',
          checks: { temporal: () => incidents.ping(READINESS_TIMEOUT_MS), ledger: () => ledger.ping() },
          sdkMetricsUrl,
          metricsToken: config.metricsToken,
        });
  if (health) log.info(`health on http://${config.api.host}:${config.workerHealthPort}/healthz and /readyz, metrics on /metrics`);
  // The build id is the SDK's (its version and a hash of the workflow bundle), as Temporal records
  // it on each workflow task this worker completes: it says which release's code polls (docs/WORKFLOW-VERSIONING.md).
  log.info(`polling ${config.temporal.taskQueue} on ${config.temporal.address} as build ${worker.options.buildId}`);
  // The SDK shuts the worker down on SIGINT and SIGTERM, within its shutdownForceTime; what
  // follows (closing the connections) gets the rest of 10 s, then the process exits.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => setTimeout(() => process.exit(1), 10_000).unref());
  await worker.run();
  health?.close();
  await clientConnection.close();
  await containment.close();
  await connection.close();
  await db.end();
  await stopTracing();
}

main().catch((err) => {
  log.fatal(`klaxon worker: ${err instanceof Error ? err.message : err}`);
  process.exit(1);
});

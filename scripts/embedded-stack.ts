import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { NativeConnection } from '@temporalio/worker';
import { apiDepsFromConfig, createApiServer } from '../client/api/server';
import { embeddedLedgerPassword, embeddedWebhookSecret, removeStackFile, webhookSecretPath, writeStackFile } from '../client/cli/stack-file';
import { incidentsBesideWorker } from '../client/connect';
import { loadConfig, type KlaxonConfig } from '../config/environment';
import { openDatabase } from '../ledger/database';
import { migrate } from '../ledger/migrate';
import { ensureLedgerKey, ledgerVerifySettings } from '../ledger/signing';
import { SeenDeliveries } from '../ledger/seen-deliveries';
import { SoleApiDeliveries } from '../client/sole-api-deliveries';
import type { DeliveryMemory } from '../client/delivery-memory';
import type { Pool } from 'pg';
import { DatabaseSpikeWindows } from '../ledger/spike-windows';
import { LedgerStore } from '../ledger/store';
import { ContainmentAdapters } from '../activities/containment';
import { complianceDeps } from '../client/api/compliance';
import { LiveConfiguration } from '../client/api/live-configuration';
import { ConfigurationRecord } from '../ledger/configuration-record';
import { scheduleHistoryArchive } from '../worker/history-archiver';
import { scheduleCoverageCheck } from '../worker/coverage-check';
import { startHandoffWatches } from '../worker/handoff-notices';
import { HistoryArchive } from '../ledger/history-archive';
import { createKlaxonWorker } from '../worker/worker';
import { startDevServer, type DevServer } from './dev-server';
import { PgliteServer } from './pglite-server';
import { findTemporalBinary } from './temporal-binaries';
import { componentLogger } from '../telemetry/log';

const log = componentLogger('stack');

/** What the parts of the stack other than Temporal get, together, to stop (Ctrl-C ends within 10 s). */
const STOP_BUDGET_MS = 6_000;

export interface EmbeddedStack {
  config: KlaxonConfig;
  apiUrl: string;
  temporalAddress: string;
  temporalUiUrl: string;
  /** The ledger's URL; the embedded PGlite server's carries its password. */
  databaseUrl: string;
  /** Where the generated webhook secret is kept, when it was generated (no KLAXON_WEBHOOK_SECRET). */
  webhookSecretFile?: string;
  /** Resolves, with the reason, if the worker or the Temporal server stops without `stop()`. */
  failed: Promise<Error>;
  /** Reads the policy and rules files now (SIGHUP), as the API otherwise does every KLAXON_RELOAD_SECONDS. */
  reload(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The embedded stack in this process (plus the Temporal dev server as a child): Temporal
 * persisted to the data directory, the ledger on PGlite served over the Postgres wire protocol
 * (so the worker, the API and the CLI all use the same `pg` code) unless DATABASE_URL names a
 * PostgreSQL, the worker and the API. `env` is read like the production processes read theirs,
 * plus the ports of the embedded parts (KLAXON_TEMPORAL_PORT, KLAXON_TEMPORAL_UI_PORT,
 * KLAXON_PGLITE_PORT).
 */
export async function startEmbeddedStack(env: NodeJS.ProcessEnv, options: { sdkMetricsUrl?: string } = {}): Promise<EmbeddedStack> {
  const dataDir = resolve(env.KLAXON_DATA_DIR || '.data');
  mkdirSync(dataDir, { recursive: true });
  const generatedSecret = env.KLAXON_WEBHOOK_SECRET ? undefined : embeddedWebhookSecret(dataDir, true);
  // The key that signs ledger anchors and purges lives beside the secret, never in the ledger database.
  if (!env.KLAXON_LEDGER_SIGNING_KEY_FILE) ensureLedgerKey(join(dataDir, 'ledger-signing-key'));
  const stops: Array<() => Promise<unknown>> = [];
  let temporal: DevServer | undefined;
  let stopping = false;
  let fail: (reason: Error) => void = () => undefined;
  const failed = new Promise<Error>((resolve) => (fail = (reason) => !stopping && resolve(reason)));
  // Ctrl-C must not hang behind a stuck part (an activity waiting on a Slack that never
  // answers, a statement): the parts get STOP_BUDGET_MS between them, newest first, and what
  // has not stopped by then is left to the process's exit; work in flight is retried by
  // Temporal on the next start. The Temporal dev server stops last whatever happened (killed
  // if it does not stop within seconds), so it never outlives the stack.
  const stop = async (): Promise<void> => {
    stopping = true;
    // First: from now on the stack serves nobody, and the CLI must not send anyone to it, even if
    // the stop is cut short.
    removeStackFile(dataDir, process.pid);
    const deadline = Date.now() + STOP_BUDGET_MS;
    for (const s of stops.splice(0).reverse()) {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((r) => (timer = setTimeout(() => r('late'), Math.max(0, deadline - Date.now()))));
      const outcome = await Promise.race([s().catch((err: Error) => log.error(`while stopping: ${err.message}`)), late]);
      clearTimeout(timer);
      if (outcome === 'late') log.error('a part of the stack did not stop in time; leaving it behind');
    }
    await temporal?.stop();
  };

  try {
    temporal = await startDevServer(findTemporalBinary('cli'), {
      dbFile: join(dataDir, 'temporal.db'),
      port: Number(env.KLAXON_TEMPORAL_PORT || 7233),
      uiPort: Number(env.KLAXON_TEMPORAL_UI_PORT || 8233),
    });
    temporal.process.once('exit', (code) => fail(new Error(`the Temporal dev server exited (code ${code})`)));

    let databaseUrl = env.DATABASE_URL;
    // Its own PGlite, which no other API opens: the API keeps the delivery memory in process.
    const ownsDatabase = !databaseUrl;
    if (!databaseUrl) {
      const pglite = new PgliteServer({
        dataDir: join(dataDir, 'ledger'),
        port: Number(env.KLAXON_PGLITE_PORT || 55432),
        password: embeddedLedgerPassword(dataDir),
        log: (line) => log.error(line),
      });
      await pglite.start();
      stops.push(() => pglite.stop());
      databaseUrl = pglite.url;
    }

    // Its own dev server, on plain TCP: Temporal settings meant for another server do not apply.
    const notTemporal = Object.fromEntries(Object.entries(env).filter(([name]) => !name.startsWith('TEMPORAL_')));
    const config = loadConfig({
      ...notTemporal,
      KLAXON_DATA_DIR: dataDir,
      TEMPORAL_ADDRESS: temporal.address,
      DATABASE_URL: databaseUrl,
      KLAXON_WEBHOOK_SECRET: env.KLAXON_WEBHOOK_SECRET || generatedSecret,
      // Both sources signed with that secret: an app using @klaxon/next reports to a fresh stack as it is.
      KLAXON_SOURCES: env.KLAXON_SOURCES || 'generic,nextjs',
    }, (path) => readFileSync(path, 'utf8'));
    const db = openDatabase(databaseUrl);
    stops.push(() => db.end());
    await migrate(db);

    const connection = await NativeConnection.connect({ address: temporal.address });
    const containment = new ContainmentAdapters(config.containment);
    stops.push(() => containment.close());
    // The API's client rides the worker's connection: the incidents it opens start eagerly on this worker.
    const { incidents, client } = incidentsBesideWorker(config, connection);
    const worker = await createKlaxonWorker({ connection, config, ledger: new LedgerStore(db), containment, incidents, archive: { client, store: new HistoryArchive(db) } });
    const workerDone = worker.run();
    workerDone.then(
      () => fail(new Error('the worker stopped')),
      (err: Error) => fail(new Error(`the worker failed: ${err.message}`)),
    );
    stops.push(async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await workerDone.catch(() => undefined);
      await connection.close();
    });

    await scheduleHistoryArchive(client, config.temporal.taskQueue, config.archiveIntervalMinutes);
    // The daily coverage check posts new gaps to each policy's channel (worker/coverage-check.ts).
    await scheduleCoverageCheck(client, config.temporal.taskQueue);
    await startHandoffWatches(client, config.temporal.taskQueue, config.policies.policies);
    const configuration = await LiveConfiguration.start(config, { log: (line) => log.info(line), record: new ConfigurationRecord(db) });
    stops.push(() => configuration.stop());
    const api = createApiServer({
      ...apiDepsFromConfig(config, incidents, complianceDeps(db, client, ledgerVerifySettings(config)), deliveriesOf(db, ownsDatabase), new DatabaseSpikeWindows(db)),
      configuration,
      // One process: the API's /metrics serves the worker's metrics too, and the SDK's.
      ...(options.sdkMetricsUrl ? { sdkMetricsUrl: options.sdkMetricsUrl } : {}),
    });
    await new Promise<void>((ok, fail) => api.once('error', fail).listen(config.api.port, config.api.host, ok));
    stops.push(() => new Promise((ok) => api.close(ok)));

    const apiUrl = `http://${config.api.host}:${config.api.port}`;
    const payloadKeysFile = env.KLAXON_PAYLOAD_KEYS_FILE ? resolve(env.KLAXON_PAYLOAD_KEYS_FILE) : undefined;
    writeStackFile(dataDir, { apiUrl, temporalAddress: temporal.address, temporalUiUrl: temporal.uiUrl, databaseUrl, ...(payloadKeysFile ? { payloadKeysFile } : {}), pid: process.pid, startedAt: new Date().toISOString() });
    return { config, apiUrl, temporalAddress: temporal.address, temporalUiUrl: temporal.uiUrl, databaseUrl, webhookSecretFile: generatedSecret && webhookSecretPath(dataDir), failed, reload: () => configuration.reload('SIGHUP'), stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * The API's replay memory: on the stack's own PGlite, held in process and written through
 * (client/sole-api-deliveries.ts); on a DATABASE_URL, which other API replicas may share, read
 * from the database on every delivery.
 */
function deliveriesOf(db: Pool, ownsDatabase: boolean): DeliveryMemory {
  const database = new SeenDeliveries(db, (line) => log.error(line));
  return ownsDatabase ? new SoleApiDeliveries(database, new Date(), (line) => log.error(line)) : database;
}

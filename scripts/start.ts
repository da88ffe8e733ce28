import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { createApiServer } from '../client/api/server';
import { embeddedWebhookSecret, stackFilePath, writeStackFile } from '../client/cli/stack-file';
import { connectIncidents } from '../client/connect';
import { loadConfig } from '../core/config';
import { openDatabase } from '../ledger/database';
import { migrate } from '../ledger/migrate';
import { LedgerStore } from '../ledger/store';
import { createKlaxonWorker } from '../worker/worker';
import { startDevServer } from './dev-server';
import { findTemporalBinary } from './temporal-binaries';

/**
 * `npm start`: the embedded stack in one process (plus the Temporal dev server as a child):
 * Temporal persisted to .data/, the ledger on PGlite served over the Postgres wire protocol
 * (so the worker, the API and the CLI all use the same `pg` code), the worker and the API.
 */
async function main(): Promise<void> {
  const dataDir = resolve(process.env.KLAXON_DATA_DIR || '.data');
  mkdirSync(dataDir, { recursive: true });
  const generatedSecret = process.env.KLAXON_WEBHOOK_SECRET ? undefined : embeddedWebhookSecret(dataDir, true);
  const temporalPort = Number(process.env.KLAXON_TEMPORAL_PORT || 7233);
  const uiPort = Number(process.env.KLAXON_TEMPORAL_UI_PORT || 8233);
  const pglitePort = Number(process.env.KLAXON_PGLITE_PORT || 55432);

  const stops: Array<() => Promise<unknown>> = [];
  let stopping = false;
  const stop = async (code: number): Promise<void> => {
    if (stopping) return;
    stopping = true;
    console.log('\nklaxon: stopping…');
    for (const s of stops.reverse()) await s().catch((err) => console.error(`klaxon: while stopping: ${err.message}`));
    rmSync(stackFilePath(dataDir), { force: true });
    process.exit(code);
  };
  // This process owns Ctrl-C: it stops the API first, then the worker, the ledger and Temporal.
  Runtime.install({ shutdownSignals: [], logger: new DefaultLogger('WARN') });
  process.once('SIGINT', () => void stop(0));
  process.once('SIGTERM', () => void stop(0));

  try {
    const temporal = await startDevServer(findTemporalBinary('cli'), { dbFile: join(dataDir, 'temporal.db'), port: temporalPort, uiPort });
    stops.push(() => temporal.stop());
    temporal.process.once('exit', (code) => {
      if (!stopping) {
        console.error(`klaxon: the Temporal dev server exited (code ${code}); stopping`);
        void stop(1);
      }
    });

    let databaseUrl = process.env.DATABASE_URL;
    if (!databaseUrl) {
      const pglite = await PGlite.create(join(dataDir, 'ledger'));
      const socket = new PGLiteSocketServer({ db: pglite, host: '127.0.0.1', port: pglitePort, maxConnections: 16 });
      await socket.start();
      stops.push(() => pglite.close());
      stops.push(() => socket.stop());
      databaseUrl = `postgres://postgres@127.0.0.1:${pglitePort}/postgres`;
    }

    const config = loadConfig({
      ...process.env,
      KLAXON_DATA_DIR: dataDir,
      TEMPORAL_ADDRESS: temporal.address,
      DATABASE_URL: databaseUrl,
      KLAXON_WEBHOOK_SECRET: process.env.KLAXON_WEBHOOK_SECRET || generatedSecret,
    });
    const db = openDatabase(databaseUrl);
    stops.push(() => db.end());
    await migrate(db);

    const connection = await NativeConnection.connect({ address: temporal.address });
    const worker = await createKlaxonWorker({ connection, config, ledger: new LedgerStore(db) });
    const workerDone = worker.run();
    stops.push(async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await workerDone;
      await connection.close();
    });

    const { incidents, connection: clientConnection } = await connectIncidents(config);
    stops.push(() => clientConnection.close());
    const api = createApiServer({ incidents, policy: config.policy, webhookSecret: config.webhookSecret!, slackSigningSecret: config.slack.signingSecret });
    await new Promise<void>((ok, fail) => api.once('error', fail).listen(config.api.port, config.api.host, ok));
    stops.push(() => new Promise((ok) => api.close(ok)));

    const apiUrl = `http://${config.api.host}:${config.api.port}`;
    writeStackFile(dataDir, { apiUrl, temporalAddress: temporal.address, temporalUiUrl: temporal.uiUrl, databaseUrl, pid: process.pid, startedAt: new Date().toISOString() });
    console.log(`
Klaxon is running (Ctrl-C stops everything; open incidents resume on the next start).

  API             ${apiUrl}   (POST /v1/alerts/generic, POST /v1/slack/interactions)
  Temporal gRPC   ${temporal.address}
  Temporal UI     ${temporal.uiUrl}
  Ledger          ${databaseUrl}${process.env.DATABASE_URL ? '' : '   (PGlite under .data/ledger)'}
  Slack           ${config.slack.botToken ? `Slack API, channel ${config.slack.channel}` : `outbox ${join(config.outboxDir, 'slack')} (set SLACK_BOT_TOKEN for real Slack)`}
  Responders      ${config.policy.responders.map((r) => `${r.name} (${r.slackUserId})`).join(', ')}
${generatedSecret ? `  Webhook secret  ${generatedSecret}   (generated, kept in ${join(dataDir, 'webhook-secret')})\n` : ''}
Fire a signed test alert, then look at it:
  npx klaxon alert test
  npx klaxon incidents list
  npx klaxon ack <incident-id> --as ${config.policy.responders[0].name}
`);
    await workerDone;
  } catch (err) {
    console.error(`klaxon: ${(err as Error).message}`);
    await stop(1);
  }
}

void main();

import { readFileSync } from 'node:fs';
import { loadConfig } from '../../config/environment';
import { connectIncidents } from '../connect';
import { openDatabase } from '../../ledger/database';
import { migrate } from '../../ledger/migrate';
import { SeenDeliveries } from '../../ledger/seen-deliveries';
import { SharedIntakeWindows } from '../../ledger/intake-windows';
import { DatabaseSpikeWindows } from '../../ledger/spike-windows';
import { ledgerVerifySettings } from '../../ledger/signing';
import { complianceDeps } from './compliance';
import { keepServingOnUncaughtErrors } from './crash-guard';
import { apiDepsFromConfig, createApiServer } from './server';
import { startTracing, stopTracing } from '../../telemetry/tracing';
import { componentLogger } from '../../telemetry/log';
import { ConfigurationRecord } from '../../ledger/configuration-record';
import { LiveConfiguration } from './live-configuration';

const log = componentLogger('api');

/** The API process of the production shape (docker-compose `api` service). */
async function main(): Promise<void> {
  keepServingOnUncaughtErrors((line) => log.error(line));
  const config = loadConfig(process.env, (path) => readFileSync(path, 'utf8'));
  // Before the client exists: its interceptors come with tracing (OTEL_* variables; off without them).
  startTracing(process.env, 'klaxon-api');
  const { incidents, client, connection } = await connectIncidents(config);
  // The compliance API reads the ledger database, when there is one.
  const db = config.databaseUrl ? openDatabase(config.databaseUrl) : undefined;
  if (db) await migrate(db);
  // The policy and rules files, followed while the API runs; each change recorded in the ledger.
  const configuration = await LiveConfiguration.start(config, { log: (line) => log.info(line), ...(db ? { record: new ConfigurationRecord(db) } : {}) });
  const deps = apiDepsFromConfig(config, incidents, db && complianceDeps(db, client, ledgerVerifySettings(config)), db && new SeenDeliveries(db, (line) => log.error(line)), db && new DatabaseSpikeWindows(db, (line) => log.error(line)));
  // Replicas share their alert-coalescing windows through the database (client/alert-intake.ts).
  const intakeWindows = db && new SharedIntakeWindows(db, (line) => log.error(line));
  const server = createApiServer({ ...deps, configuration, ...(intakeWindows ? { intakeWindows } : {}), log: (line) => log.info(line) });
  // SIGHUP, as daemons take it: read the files now rather than at the next check.
  process.on('SIGHUP', () => void configuration.reload('SIGHUP'));
  server.listen(config.api.port, config.api.host, () => log.info(`listening on http://${config.api.host}:${config.api.port}`));
  const stop = (): void => {
    server.close(() => void Promise.all([configuration.stop(), connection.close(), stopTracing()]).then(() => db?.end()).then(() => process.exit(0)));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err) => {
  log.fatal(`klaxon api: ${err instanceof Error ? err.message : err}`);
  process.exit(1);
});

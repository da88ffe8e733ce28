import { readFileSync } from 'node:fs';
import { loadConfig } from '../../config/environment';
import { connectIncidents } from '../connect';
import { openDatabase } from '../../ledger/database';
import { migrate } from '../../ledger/migrate';
import { SeenDeliveries } from '../../ledger/seen-deliveries';
import { DatabaseSpikeWindows } from '../../ledger/spike-windows';
import { ledgerVerifySettings } from '../../ledger/signing';
import { complianceDeps } from './compliance';
import { keepServingOnUncaughtErrors } from './crash-guard';
import { apiDepsFromConfig, createApiServer } from './server';
import { ConfigurationRecord } from '../../ledger/configuration-record';
import { LiveConfiguration } from './live-configuration';

/** The API process of the production shape (docker-compose `api` service). */
async function main(): Promise<void> {
  keepServingOnUncaughtErrors();
  const config = loadConfig(process.env, (path) => readFileSync(path, 'utf8'));
  const { incidents, client, connection } = await connectIncidents(config);
  // The compliance API reads the ledger database, when there is one.
  const db = config.databaseUrl ? openDatabase(config.databaseUrl) : undefined;
  if (db) await migrate(db);
  const log = (line: string) => console.log(line);
  // The policy and rules files, followed while the API runs; each change recorded in the ledger.
  const configuration = await LiveConfiguration.start(config, { log, ...(db ? { record: new ConfigurationRecord(db) } : {}) });
  const deps = apiDepsFromConfig(config, incidents, db && complianceDeps(db, client, ledgerVerifySettings(config)), db && new SeenDeliveries(db), db && new DatabaseSpikeWindows(db));
  const server = createApiServer({ ...deps, configuration, log });
  // SIGHUP, as daemons take it: read the files now rather than at the next check.
  process.on('SIGHUP', () => void configuration.reload('SIGHUP'));
  server.listen(config.api.port, config.api.host, () => console.log(`klaxon api: listening on http://${config.api.host}:${config.api.port}`));
  const stop = (): void => {
    server.close(() => void Promise.all([configuration.stop(), connection.close()]).then(() => db?.end()).then(() => process.exit(0)));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err) => {
  console.error(`klaxon api: ${err instanceof Error ? err.message : err}`);
  process.exit(1);
});

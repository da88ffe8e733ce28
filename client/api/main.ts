import { readFileSync } from 'node:fs';
import { loadConfig } from '../../core/config';
import { connectIncidents } from '../connect';
import { apiDepsFromConfig, createApiServer } from './server';

/** The API process of the production shape (docker-compose `api` service). */
async function main(): Promise<void> {
  const config = loadConfig(process.env, (path) => readFileSync(path, 'utf8'));
  const { incidents, connection } = await connectIncidents(config);
  const server = createApiServer(apiDepsFromConfig(config, incidents));
  server.listen(config.api.port, config.api.host, () => console.log(`klaxon api: listening on http://${config.api.host}:${config.api.port}`));
  const stop = (): void => {
    server.close(() => void connection.close().then(() => process.exit(0)));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err) => {
  console.error(`klaxon api: ${err instanceof Error ? err.message : err}`);
  process.exit(1);
});

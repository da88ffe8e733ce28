import { Client, Connection } from '@temporalio/client';
// A type only: the CLI, which imports this file, never loads the worker's native module.
import type { NativeConnection } from '@temporalio/worker';
import type { KlaxonConfig } from '../config/environment';
import { connectionOptions, withConnectionHint } from '../config/temporal-connection';
import { Incidents } from './incidents';
import { dataConverterFor } from './payload-codec';
import { tracingPlugins } from '../telemetry/tracing';

/**
 * Connects to Temporal as configured and returns the incidents facade, the client under it and
 * its connection (TLS, API key and profiles as config/temporal-connection.ts reads them); with KLAXON_PAYLOAD_KEYS_FILE, the client encrypts and decrypts every payload.
 * `connectTimeoutMs` shortens the SDK's 10 s wait for a server that does not answer (the CLI's
 * user is waiting; long-running processes keep the default).
 */
export async function connectIncidents(
  config: KlaxonConfig,
  options: { connectTimeoutMs?: number } = {},
): Promise<{ incidents: Incidents; client: Client; connection: Connection }> {
  const connection = await withConnectionHint(
    config.temporal,
    Connection.connect({ ...connectionOptions(config.temporal), ...(options.connectTimeoutMs ? { connectTimeout: options.connectTimeoutMs } : {}) }),
  );
  const client = clientOn(config, connection);
  return { incidents: new Incidents(client, config.temporal.taskQueue), client, connection };
}

/**
 * The incidents facade on the connection of the worker that polls the task queue in this same
 * process (the embedded stack): a new incident starts eagerly, its first workflow task handed
 * straight to that worker (client/incidents.ts, IncidentsOptions). The worker's owner closes it.
 */
export function incidentsBesideWorker(config: KlaxonConfig, connection: NativeConnection): { incidents: Incidents; client: Client } {
  const client = clientOn(config, connection);
  return { incidents: new Incidents(client, config.temporal.taskQueue, { eagerStart: true }), client };
}

function clientOn(config: KlaxonConfig, connection: Connection | NativeConnection): Client {
  // With tracing on (telemetry/tracing.ts), the client carries the caller's trace into Temporal's headers.
  return new Client({ connection, namespace: config.temporal.namespace, dataConverter: dataConverterFor(config), plugins: tracingPlugins() });
}

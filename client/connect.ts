import { Client, Connection } from '@temporalio/client';
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
  // With tracing on (telemetry/tracing.ts), the client carries the caller's trace into Temporal's headers.
  const client = new Client({ connection, namespace: config.temporal.namespace, dataConverter: dataConverterFor(config), plugins: tracingPlugins() });
  return { incidents: new Incidents(client, config.temporal.taskQueue), client, connection };
}

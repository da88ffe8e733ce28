import { Client, Connection } from '@temporalio/client';
import type { KlaxonConfig } from '../core/config';
import { Incidents } from './incidents';

/** Connects to Temporal as configured and returns the incidents facade, the client under it and its connection. */
export async function connectIncidents(config: KlaxonConfig): Promise<{ incidents: Incidents; client: Client; connection: Connection }> {
  const connection = await Connection.connect({ address: config.temporal.address });
  const client = new Client({ connection, namespace: config.temporal.namespace });
  return { incidents: new Incidents(client, config.temporal.taskQueue), client, connection };
}

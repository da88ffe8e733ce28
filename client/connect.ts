import { Client, Connection } from '@temporalio/client';
import type { KlaxonConfig } from '../core/config';
import { Incidents } from './incidents';

/** Connects to Temporal as configured and returns the incidents facade with its connection. */
export async function connectIncidents(config: KlaxonConfig): Promise<{ incidents: Incidents; connection: Connection }> {
  const connection = await Connection.connect({ address: config.temporal.address });
  const client = new Client({ connection, namespace: config.temporal.namespace });
  return { incidents: new Incidents(client, config.temporal.taskQueue), connection };
}

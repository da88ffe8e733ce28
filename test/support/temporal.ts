import type { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';

const { IndexedValueType } = temporal.api.enums.v1;
const TYPES: Record<string, temporal.api.enums.v1.IndexedValueType> = {
  KEYWORD: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  KEYWORD_LIST: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
  DATETIME: IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
};

/**
 * Registers Klaxon's search attributes on a server started without the CLI flags (the
 * time-skipping test server), as `temporal operator search-attribute create` would.
 */
export async function registerSearchAttributes(connection: Connection, namespace = 'default'): Promise<void> {
  const searchAttributes = Object.fromEntries(Object.values(SEARCH_ATTRIBUTES).map((k) => [k.name, TYPES[k.type]]));
  await connection.operatorService.addSearchAttributes({ namespace, searchAttributes });
}

/** Every text Temporal keeps of a workflow: its whole history as bytes (payloads are JSON in them), memo and search attributes. */
export async function temporalText(client: Client, workflowId: string): Promise<string> {
  const handle = client.workflow.getHandle(workflowId);
  const history = await handle.fetchHistory();
  const described = await handle.describe();
  return [
    Buffer.from(temporal.api.history.v1.History.encode(history).finish()).toString('utf8'),
    Buffer.from(temporal.api.workflowservice.v1.DescribeWorkflowExecutionResponse.encode(described.raw).finish()).toString('utf8'),
  ].join('\n');
}

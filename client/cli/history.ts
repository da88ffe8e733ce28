import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { HistoryArchive } from '../../ledger/history-archive';
import { openDatabase } from '../../ledger/database';
import { historyJson } from '../history-archiver';

export interface RunHistory {
  runId: string;
  /** Temporal still keeps it, or only the ledger's archive does. */
  source: 'temporal' | 'archive';
  status: string;
  /**
   * Of the archived bytes, as the ledger's `history.archived` event records it. (A history
   * fetched anew from Temporal encodes its maps in no fixed order, so its bytes are not
   * comparable; its content is.)
   */
  sha256?: string;
  history: unknown;
}

/** gRPC's NOT_FOUND, which fetching a deleted run's history answers. */
const GRPC_NOT_FOUND = 5;

/**
 * `klaxon incidents history <id>`: every run's Temporal event history as JSON, from Temporal
 * while it keeps them and from the ledger's archive after (with the SHA-256 the ledger holds).
 */
export async function incidentHistory(client: Client, databaseUrl: string | undefined, incidentId: string): Promise<{ incidentId: string; runs: RunHistory[] }> {
  const runs: RunHistory[] = [];
  for await (const wf of client.workflow.list({ query: `WorkflowId = '${incidentId.replace(/'/g, '')}'` })) {
    // Visibility may still list a run whose history retention has just deleted: the archive has it.
    const history = await client.workflow
      .getHandle(incidentId, wf.runId)
      .fetchHistory()
      .catch((err: unknown) => {
        if (err instanceof WorkflowNotFoundError || (err as { code?: number }).code === GRPC_NOT_FOUND) return undefined;
        throw err;
      });
    if (!history) continue;
    const bytes = Buffer.from(temporal.api.history.v1.History.encode(history).finish());
    runs.push({ runId: wf.runId, source: 'temporal', status: wf.status.name, history: historyJson(bytes) });
  }
  if (databaseUrl) {
    const db = openDatabase(databaseUrl, { max: 1 });
    try {
      for (const run of await new HistoryArchive(db).runs(incidentId)) {
        if (runs.some((r) => r.runId === run.runId)) continue;
        runs.push({ runId: run.runId, source: 'archive', status: run.status, sha256: run.sha256, history: historyJson(run.history) });
      }
    } finally {
      await db.end();
    }
  }
  if (runs.length === 0) throw new RangeError(`incident ${incidentId} has no history in Temporal${databaseUrl ? ' or in the ledger archive' : ' (and DATABASE_URL is not set to read the archive)'}`);
  return { incidentId, runs };
}

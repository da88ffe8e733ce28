import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { HistoryArchive } from '../ledger/history-archive';
import { visibilityQuery } from './incident-filter';
import { isDrillId } from '../core/drills/drill';

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

export class HistoryNotFoundError extends Error {
  override readonly name = 'HistoryNotFoundError';
}

/** gRPC's NOT_FOUND, which fetching a deleted run's history answers. */
const GRPC_NOT_FOUND = 5;

/**
 * `klaxon incidents history <id>`: every run's Temporal event history as JSON, from Temporal
 * while it keeps them and from the ledger's archive after (with the SHA-256 the ledger holds).
 */
export async function incidentHistory(client: Client, archive: HistoryArchive | undefined, incidentId: string): Promise<{ incidentId: string; runs: RunHistory[] }> {
  const runs: RunHistory[] = [];
  for await (const wf of client.workflow.list({ query: visibilityQuery({ incidentId, drills: isDrillId(incidentId) }) })) {
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
  for (const run of (await archive?.runs(incidentId)) ?? []) {
    if (runs.some((r) => r.runId === run.runId)) continue;
    runs.push({ runId: run.runId, source: 'archive', status: run.status, sha256: run.sha256, history: historyJson(run.history) });
  }
  if (runs.length === 0) throw new HistoryNotFoundError(`incident ${incidentId} has no history in Temporal${archive ? ' or in the ledger archive' : ' (and no ledger database is configured to read the archive)'}`);
  return { incidentId, runs };
}

/** A run's history as JSON (enums and 64-bit numbers as strings), for export. */
export function historyJson(bytes: Buffer | Uint8Array): unknown {
  const history = temporal.api.history.v1.History.decode(bytes);
  return temporal.api.history.v1.History.toObject(history, { enums: String, longs: String, bytes: String, defaults: false });
}

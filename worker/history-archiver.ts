import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { HistoryArchive } from '../ledger/history-archive';
import type { LedgerStore } from '../ledger/store';
import { visibilityQuery } from '../client/incident-filter';

export interface ArchivedNow {
  incidentId: string;
  runId: string;
  status: string;
  events: number;
  sha256: string;
}

/** The ledger's record that a run's history is archived: one per run, whoever archives it. */
const archivedStep = (incidentId: string, runId: string): string => `${incidentId}/${runId}/history-archived`;

/**
 * A worker job (worker/main.ts starts it; the embedded stack too; `klaxon audit archive` runs
 * one sweep by hand): copies the Temporal history of every closed incident run into the archive, and records its
 * SHA-256 in the ledger (so the chains cover it), before namespace retention deletes it.
 * Safe to run from several workers at once and again after a crash: both writes are
 * idempotent (run id, step key), and a run archived but not yet in the ledger is completed.
 */
export async function archiveClosedRuns(client: Client, archive: HistoryArchive, ledger: LedgerStore, options: { incidentId?: string; limit?: number } = {}): Promise<ArchivedNow[]> {
  // From the watermark on: the runs closed since the latest one archived, less a margin for
  // visibility's lag. Oldest first, so a sweep cut short by its limit (or a crash) leaves no gap
  // below the next watermark: the last run a sweep archived is always the latest it reached.
  const latest = options.incidentId ? undefined : await archive.latestClosedAt();
  const closedFrom = latest && new Date(latest.getTime() - WATERMARK_MARGIN_MS);
  const query = visibilityQuery({ closedOnly: true, incidentId: options.incidentId, ...(closedFrom ? { closedFrom } : {}) });
  const closed: Array<{ incidentId: string; runId: string; status: string; closedAt?: string }> = [];
  for await (const wf of client.workflow.list({ query })) closed.push({ incidentId: wf.workflowId, runId: wf.runId, status: wf.status.name, closedAt: wf.closeTime?.toISOString() });
  closed.sort((a, b) => (a.closedAt ?? '').localeCompare(b.closedAt ?? ''));
  const archived = await archive.archivedRunIds(closed.map((r) => r.runId));
  const out: ArchivedNow[] = [];
  for (const run of closed) {
    if (out.length >= (options.limit ?? 500)) break;
    if (archived.has(run.runId) && (await ledger.byStepKey(archivedStep(run.incidentId, run.runId)))) continue;
    const history = await client.workflow.getHandle(run.incidentId, run.runId).fetchHistory();
    const bytes = Buffer.from(temporal.api.history.v1.History.encode(history).finish());
    const events = history.events?.length ?? 0;
    const { sha256 } = await archive.save({ runId: run.runId, incidentId: run.incidentId, status: run.status, closedAt: run.closedAt, eventCount: events, history: bytes });
    await ledger.append({
      incidentId: run.incidentId,
      stepKey: archivedStep(run.incidentId, run.runId),
      kind: 'history.archived',
      occurredAt: new Date().toISOString(),
      actor: { type: 'system', name: 'klaxon-archiver' },
      payload: { runId: run.runId, status: run.status, events, sha256 },
    });
    out.push({ incidentId: run.incidentId, runId: run.runId, status: run.status, events, sha256 });
  }
  return out;
}

/** How far before the watermark a sweep looks again: visibility may index a close late. */
const WATERMARK_MARGIN_MS = 60 * 60_000;

/** Archives every `intervalMs` until stopped, one replica at a time; a failed sweep is logged and tried again next time. */
export function startHistoryArchiver(client: Client, archive: HistoryArchive, ledger: LedgerStore, intervalMs: number, log: (line: string) => void): () => Promise<void> {
  let running: Promise<unknown> = Promise.resolve();
  const sweep = () => {
    running = archive.exclusively(() => archiveClosedRuns(client, archive, ledger)).then(
      (done) => done?.length && log(`klaxon: archived the history of ${done.length} closed incident run(s)`),
      (err: Error) => log(`klaxon: archiving closed incident histories failed, will retry: ${err.message}`),
    );
  };
  const timer = setInterval(sweep, intervalMs);
  sweep();
  return async () => {
    clearInterval(timer);
    await running;
  };
}

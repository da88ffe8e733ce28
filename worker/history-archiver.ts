import { Context } from '@temporalio/activity';
import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client, type ScheduleHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { HistoryArchive } from '../ledger/history-archive';
import type { LedgerStore } from '../ledger/store';
import { visibilityQuery } from '../client/incident-filter';
import { archiveClosedIncidentHistories, type HistoryArchiveActivities } from '../workflows/history-archive';

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
 * The archiver's sweep (the worker's Temporal Schedule runs it in batches; `klaxon audit archive`
 * runs one by hand): copies the Temporal history of every closed incident run into the archive, and records its
 * SHA-256 in the ledger (so the chains cover it), before namespace retention deletes it.
 * Safe to run from several workers at once and again after a crash: both writes are
 * idempotent (run id, step key), and a run archived but not yet in the ledger is completed.
 */
export async function archiveClosedRuns(
  client: Client,
  archive: HistoryArchive,
  ledger: LedgerStore,
  options: { incidentId?: string; limit?: number; onRun?: () => void } = {},
): Promise<ArchivedNow[]> {
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
    options.onRun?.();
    if (out.length >= (options.limit ?? ARCHIVE_BATCH)) break;
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

/** Runs per batch of a sweep: one activity call fetches at most this many histories. */
export const ARCHIVE_BATCH = 500;

/** How far before the watermark a sweep looks again: visibility may index a close late. */
const WATERMARK_MARGIN_MS = 60 * 60_000;

/** The archiving activity the sweep workflow (workflows/history-archive.ts) calls, over this worker's client and ledger. */
export function historyArchiveActivities(client: Client, archive: HistoryArchive, ledger: LedgerStore): HistoryArchiveActivities {
  return {
    async archiveClosedIncidentRuns(batch) {
      // The lock keeps a sweep by hand (`klaxon audit archive`) and a scheduled one apart.
      const done = await archive.exclusively(() => archiveClosedRuns(client, archive, ledger, { limit: batch, onRun: () => Context.current().heartbeat() }));
      return done?.length ?? 0;
    },
  };
}

/**
 * Keeps the archiver's Temporal Schedule for this task queue: created by the first worker to
 * start, its interval brought in line by every later one. One schedule, not one timer per
 * worker: overlapping runs are skipped, so replicas never sweep side by side, and a worker
 * down at the hour does not stop the sweep (any worker on the queue runs it).
 */
export async function scheduleHistoryArchive(client: Client, taskQueue: string, intervalMinutes: number): Promise<ScheduleHandle> {
  const scheduleId = archiveScheduleId(taskQueue);
  const options = {
    scheduleId,
    spec: { intervals: [{ every: intervalMinutes * 60_000 }] },
    action: { type: 'startWorkflow' as const, workflowType: archiveClosedIncidentHistories, taskQueue, workflowId: scheduleId, args: [{ batch: ARCHIVE_BATCH }] as [{ batch: number }] },
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: 60_000 },
  };
  try {
    // The first sweep runs now, as a worker's timer did on start.
    return await client.schedule.create({ ...options, state: { triggerImmediately: true } });
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    const handle = client.schedule.getHandle(scheduleId);
    await handle.update((previous) => ({ ...previous, spec: options.spec, action: options.action, policies: options.policies }));
    return handle;
  }
}

export const archiveScheduleId = (taskQueue: string): string => `klaxon-history-archive-${taskQueue}`;

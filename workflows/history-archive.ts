import { proxyActivities } from '@temporalio/workflow';

/** The worker's archiving activity (worker/history-archiver.ts): one bounded batch per call. */
export interface HistoryArchiveActivities {
  /** Archives up to `batch` closed incident runs from the watermark on; how many it archived (0 while another sweep holds the archive). */
  archiveClosedIncidentRuns(batch: number): Promise<number>;
}

const { archiveClosedIncidentRuns } = proxyActivities<HistoryArchiveActivities>({
  // A batch fetches up to `batch` histories; it heartbeats per run, so a dead worker is noticed in a minute.
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '10 seconds', maximumInterval: '5 minutes', maximumAttempts: 5 },
});

/** Batches one scheduled run takes at most; whatever is left waits for the next run, from the watermark. */
const MAX_BATCHES = 100;

/**
 * One sweep of the history archiver, started by the Temporal Schedule the worker keeps
 * (one per task queue, overlaps skipped, so replicas never sweep side by side): batch after
 * batch until a batch comes back short, so a burst of more closes than one batch holds is
 * archived in the same run rather than one batch per interval.
 */
export async function archiveClosedIncidentHistories(input: { batch: number }): Promise<{ archived: number }> {
  let archived = 0;
  for (let i = 0; i < MAX_BATCHES; i++) {
    const done = await archiveClosedIncidentRuns(input.batch);
    archived += done;
    if (done < input.batch) break;
  }
  return { archived };
}

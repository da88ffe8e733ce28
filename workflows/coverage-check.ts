import { proxyActivities, workflowInfo } from '@temporalio/workflow';

/** What one check found and did (the activity's answer, the workflow's result). */
export interface CoverageCheckResult {
  gaps: number;
  newGaps: number;
  /** Policies whose channel got a post. */
  posted: number;
}

/** The worker's check (worker/coverage-check.ts). */
export interface CoverageCheckActivities {
  /** Computes every policy's gaps at `at`, posts the new ones, records `coverage.gaps`; idempotent by `runKey`. */
  checkCoverage(input: { runKey: string; at: string; days: number }): Promise<CoverageCheckResult>;
}

const { checkCoverage } = proxyActivities<CoverageCheckActivities>({
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '10 seconds', maximumInterval: '5 minutes', maximumAttempts: 10 },
});

/**
 * The daily coverage check, started by the Temporal Schedule `coverage-check` the worker keeps
 * (overlaps skipped): one activity, keyed by this run's workflow id (unique per scheduled
 * start), at the instant the run started, so a retry posts and records the same thing once.
 */
export async function coverageCheck(input: { days: number }): Promise<CoverageCheckResult> {
  const info = workflowInfo();
  return checkCoverage({ runKey: info.workflowId, at: new Date(info.startTime.getTime()).toISOString(), days: input.days });
}

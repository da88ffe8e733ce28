import type { Pool } from 'pg';
import { OnCallOverrides } from '../ledger/oncall-overrides';
import { OVERRIDE_LIMITS } from '../core/oncall/override-input';
import { liveOverride, type LiveOverride } from '../core/oncall/runtime-override';

/** Overrides that start this long after the page are of no use to it. */
const AHEAD_MS = 60 * 60_000;
/** Taking is refused past this many live overrides per policy; should more be there (rows put in by hand), the latest are kept. */
const MOST = OVERRIDE_LIMITS.livePerPolicy;

/**
 * The live roster an open incident reads before it pages a schedule (pinned policy, live roster):
 * the run-time overrides of its policy in force around `at`, from the ledger database, without
 * their reason or taker (LiveOverride). A read only, so retries are harmless; the workflow gives
 * up after a short bound and pages the pinned roster.
 */
export function createRosterActivities(db: Pool) {
  const overrides = new OnCallOverrides(db);
  return {
    async readLiveRoster(input: { policy: string; at: string }): Promise<LiveOverride[]> {
      const at = Date.parse(input.at);
      const live = await overrides.list({ policy: input.policy, after: new Date(at), before: new Date(at + AHEAD_MS) });
      // What paging needs only: the answer is kept in the incident's history, a reason typed by a person is not.
      return live.slice(-MOST).map(liveOverride);
    },
  };
}

export type RosterActivities = ReturnType<typeof createRosterActivities>;

import type { Pool } from 'pg';
import { OnCallOverrides } from '../ledger/oncall-overrides';
import type { RuntimeOverride } from '../core/oncall/runtime-override';

/** Overrides that start this long after the page are of no use to it. */
const AHEAD_MS = 60 * 60_000;
/** A policy with more live overrides around one instant than this is not a roster: the rest are left out, latest first kept. */
const MOST = 200;

/**
 * The live roster an open incident reads before it pages a schedule (pinned policy, live roster):
 * the run-time overrides of its policy in force around `at`, from the ledger database. A read
 * only, so retries are harmless; the workflow gives up after a short bound and pages the pinned roster.
 */
export function createRosterActivities(db: Pool) {
  const overrides = new OnCallOverrides(db);
  return {
    async readLiveRoster(input: { policy: string; at: string }): Promise<RuntimeOverride[]> {
      const at = Date.parse(input.at);
      const live = await overrides.list({ policy: input.policy, after: new Date(at), before: new Date(at + AHEAD_MS) });
      return live.slice(-MOST);
    },
  };
}

export type RosterActivities = ReturnType<typeof createRosterActivities>;

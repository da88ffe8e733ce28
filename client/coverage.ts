import type { Policy } from '../core/policy/policy';
import { coverageGaps, type CoverageGap } from '../core/oncall/coverage';
import type { OnCallOverrides } from '../ledger/oncall-overrides';

/** What `GET /v1/coverage`, `klaxon coverage`, the metric and the daily check read. */
export interface CoverageReport {
  /** The horizon, UTC ISO: [from, to). */
  from: string;
  to: string;
  days: number;
  policies: string[];
  gaps: CoverageGap[];
}

/**
 * The gaps of `policies` over the next `days`, with the run-time overrides that reach into the
 * horizon (none without a ledger database: the files' rosters alone).
 */
export async function readCoverage(policies: readonly Policy[], overrides: OnCallOverrides | undefined, days: number, now: Date): Promise<CoverageReport> {
  const from = now.getTime();
  const to = from + days * 86_400_000;
  const live = overrides ? await overrides.list({ after: now, before: new Date(to) }) : [];
  return {
    from: now.toISOString(),
    to: new Date(to).toISOString(),
    days,
    policies: policies.map((p) => p.name),
    gaps: policies.flatMap((p) => coverageGaps(p, live, from, days)),
  };
}

// Workflow-safe: workflow code imports this module; keep Node-only modules out (test/workflow/bundle.test.ts).
import type { Policy } from '../policy/policy';
import { onCallAt, type Override, type Schedule } from '../escalation/schedule';

/**
 * An override or one half of a shift swap taken at run time (`klaxon oncall override|swap`),
 * kept in the ledger database (ledger/oncall-overrides.ts), not in a policy file: a policy is
 * pinned per incident, the roster is read live, so an open incident's next page sees it.
 */
export interface RuntimeOverride extends Override {
  /** Stable id (`ovr-…`), named by `klaxon oncall cancel` and the ledger. */
  id: string;
  /** The policy and schedule it belongs to: schedule names are unique within a policy only. */
  policy: string;
  schedule: string;
  /** Why, as the person who took it said. */
  reason: string;
  /** Who took it (the API token's responder or name). */
  by: string;
  /** When it was taken (UTC ISO). */
  createdAt: string;
  /** Set when cancelled; a cancelled override no longer applies. */
  cancelledAt?: string;
}

/**
 * What paging needs of a run-time override, and all an incident reads of it (`readLiveRoster`,
 * so all that goes into its Temporal history): no free-text reason and no taker, which stay in
 * the ledger database and the ledger's `oncall-<policy>` chain.
 */
export type LiveOverride = Omit<RuntimeOverride, 'reason' | 'by'>;

/** A run-time override as the live roster carries it (see LiveOverride). */
export const liveOverride = ({ id, policy, schedule, responder, replaces, from, to, createdAt, cancelledAt }: LiveOverride): LiveOverride => ({
  id,
  policy,
  schedule,
  responder,
  ...(replaces !== undefined ? { replaces } : {}),
  from,
  to,
  createdAt,
  ...(cancelledAt !== undefined ? { cancelledAt } : {}),
});

/**
 * The schedule as it stands with the run-time overrides that concern it: the file's overrides
 * first, the run-time ones after in the order they were taken, so the latest taken wins.
 */
export function withRuntimeOverrides(policyName: string, schedule: Schedule, overrides: readonly LiveOverride[]): Schedule {
  const mine = overrides
    .filter((o) => o.policy === policyName && o.schedule === schedule.name && o.cancelledAt === undefined)
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id))
    .map(({ responder, from, to, replaces }): Override => ({ responder, from, to, ...(replaces !== undefined ? { replaces } : {}) }));
  if (mine.length === 0) return schedule;
  return { ...schedule, overrides: [...schedule.overrides, ...mine] };
}

/**
 * What the workflow answers to the ladder's `roster` step: the run-time overrides of the pinned
 * policy's schedules, or why they could not be read (the pinned roster pages then).
 */
export type RosterAnswer = { overrides: readonly LiveOverride[] } | { unavailable: string };

/** The policy with every schedule's run-time overrides applied: what the live roster pages. */
export function withLiveRoster(policy: Policy, overrides: readonly LiveOverride[]): Policy {
  if (!policy.schedules?.length || overrides.length === 0) return policy;
  return { ...policy, schedules: policy.schedules.map((s) => withRuntimeOverrides(policy.name, s, overrides)) };
}

/** Someone on call because of a run-time override, where the pinned roster had someone else (or nobody). */
export interface RosterChange {
  schedule: string;
  responder: string;
  /** The run-time override (or swap half) that put them there. */
  override: string;
  /** Whom the pinned roster had on call, if anyone. */
  instead?: string;
}

/**
 * What the run-time overrides change on `schedule` at `at`: the incident records it
 * (`roster.applied`) when it pages by it. Undefined when the live roster agrees with the pinned one.
 */
export function rosterChange(policy: Policy, scheduleName: string, overrides: readonly LiveOverride[], at: number): RosterChange | undefined {
  const schedule = policy.schedules?.find((s) => s.name === scheduleName);
  if (!schedule) return undefined;
  const pinned = onCallAt(schedule, at);
  const live = onCallAt(withRuntimeOverrides(policy.name, schedule, overrides), at);
  if (live.responder === undefined || live.responder === pinned.responder) return undefined;
  // The last taken that covers the instant wins (withRuntimeOverrides' order); a swap half only over its person's turn.
  const top = [...live.layers].reverse().find((l) => l.responder !== undefined)?.responder;
  const by = overrides
    .filter((o) => o.policy === policy.name && o.schedule === scheduleName && o.cancelledAt === undefined && o.responder === live.responder)
    .filter((o) => Date.parse(o.from) <= at && at < Date.parse(o.to) && (o.replaces === undefined || o.replaces === top))
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id))
    .at(-1);
  if (!by) return undefined;
  return { schedule: scheduleName, responder: live.responder, override: by.id, ...(pinned.responder !== undefined ? { instead: pinned.responder } : {}) };
}

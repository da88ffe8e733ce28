import { Context } from '@temporalio/activity';
import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client, type ScheduleHandle } from '@temporalio/client';
import { COVERAGE_DAYS, countByKind, newGaps, type CoverageGap } from '../core/oncall/coverage';
import { coverageMessage } from '../core/oncall/coverage-message';
import type { Policy } from '../core/policy/policy';
import type { AuditPayload } from '../core/audit/events';
import type { OnCallOverrides } from '../ledger/oncall-overrides';
import type { LedgerStore } from '../ledger/store';
import type { SlackTransport } from '../activities/slack-transport';
import { readCoverage } from '../client/coverage';
import { coverageCheck, type CoverageCheckActivities } from '../workflows/coverage-check';

/** The Schedule's id (one per Temporal namespace, as the contract names it). */
export const COVERAGE_SCHEDULE_ID = 'coverage-check';
/** When it runs: every day at 07:00 UTC, before the working day of Europe and after the Americas'. */
const DAILY_AT = { hour: 7, minute: 0 };
/** Gaps one record keeps for the next check to compare with (a year of nightly holes of a few levels fits). */
export const COVERAGE_GAPS_KEPT = 1000;
/** How many days back a check looks for the previous one; older than that, every gap is new again. */
const LOOK_BACK_DAYS = 7;
const DAY_MS = 86_400_000;

const ACTOR = { type: 'system' as const, name: 'klaxon-coverage-check' };

/** The ledger chain of the checks of one UTC day. */
export const coverageChain = (at: Date): string => `coverage-${at.toISOString().slice(0, 10)}`;

/** The gaps the last check recorded, looking back from the day of `at` (at most LOOK_BACK_DAYS), or none. */
async function previousGaps(ledger: LedgerStore, at: Date): Promise<CoverageGap[]> {
  for (let d = 0; d <= LOOK_BACK_DAYS; d++) {
    const events = await ledger.timeline(coverageChain(new Date(at.getTime() - d * DAY_MS)));
    const last = events.filter((e) => e.kind === 'coverage.gaps').at(-1);
    if (last) return (last.payload as AuditPayload<'coverage.gaps'>).gaps as CoverageGap[];
  }
  return [];
}

/**
 * The check's activity over this worker's policies, the live overrides, the ledger and Slack:
 * every policy's gaps; the new ones (not shown by the previous check) posted to the policy's
 * channel (else the incidents channel), one message per policy keyed by the run; then the
 * record. A run already recorded does nothing again.
 */
export function coverageCheckActivities(deps: { policies: () => readonly Policy[]; overrides: OnCallOverrides; ledger: LedgerStore; slack: SlackTransport; channel: string }): CoverageCheckActivities {
  return {
    async checkCoverage({ runKey, at, days }) {
      const stepKey = `${runKey}/coverage.gaps`;
      const recorded = await deps.ledger.byStepKey(stepKey);
      if (recorded) {
        const p = recorded.payload as AuditPayload<'coverage.gaps'>;
        return { gaps: p.gaps.length, newGaps: p.posted.reduce((n, x) => n + x.gaps, 0), posted: p.posted.length };
      }
      const now = new Date(at);
      const policies = deps.policies();
      const report = await readCoverage(policies, deps.overrides, days, now);
      const fresh = newGaps(report.gaps, await previousGaps(deps.ledger, now));
      const posted: AuditPayload<'coverage.gaps'>['posted'] = [];
      const retry = Context.current().info.attempt > 1;
      for (const policy of policies) {
        const mine = fresh.filter((g) => g.policy === policy.name);
        if (mine.length === 0) continue;
        const channel = policy.slackChannel ?? deps.channel;
        await deps.slack.post(channel, coverageMessage(policy.name, mine, days), `${runKey}/${policy.name}`, retry);
        posted.push({ policy: policy.name, channel, gaps: mine.length });
      }
      await deps.ledger.append({
        incidentId: coverageChain(now),
        stepKey,
        kind: 'coverage.gaps',
        occurredAt: now.toISOString(),
        actor: ACTOR,
        payload: { days, from: report.from, to: report.to, counts: countByKind(report.gaps), gaps: report.gaps.slice(0, COVERAGE_GAPS_KEPT), posted },
      });
      return { gaps: report.gaps.length, newGaps: fresh.length, posted: posted.length };
    },
  };
}

/**
 * Keeps the daily check's Temporal Schedule: created by the first worker to start, brought in
 * line by every later one; overlapping runs skipped, so replicas never check side by side.
 */
export async function scheduleCoverageCheck(client: Client, taskQueue: string): Promise<ScheduleHandle> {
  const options = {
    scheduleId: COVERAGE_SCHEDULE_ID,
    spec: { calendars: [{ hour: DAILY_AT.hour, minute: DAILY_AT.minute }] },
    action: { type: 'startWorkflow' as const, workflowType: coverageCheck, taskQueue, workflowId: COVERAGE_SCHEDULE_ID, args: [{ days: COVERAGE_DAYS.default }] as [{ days: number }] },
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: 60 * 60_000 },
  };
  try {
    return await client.schedule.create(options);
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    const handle = client.schedule.getHandle(COVERAGE_SCHEDULE_ID);
    await handle.update((previous) => ({ ...previous, spec: options.spec, action: options.action, policies: options.policies }));
    return handle;
  }
}

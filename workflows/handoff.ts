import { continueAsNew, proxyActivities, sleep } from '@temporalio/workflow';

/** What the watch does next, as the live roster says (worker/handoff-notices.ts). */
export type HandoffPlan = { stop: true } | { none: true } | { shiftStart: string; noticeAt: string };

export interface HandoffActivities {
  /** The schedule's next hand-off after `after`, with the live overrides; stop when the schedule no longer asks for notices. */
  planHandoff(input: { policy: string; schedule: string; after: string }): Promise<HandoffPlan>;
  /** Tells whoever the live roster has coming on at `shiftStart`; idempotent per (schedule, shift start, person). */
  sendHandoffNotice(input: { policy: string; schedule: string; shiftStart: string }): Promise<void>;
}

const { planHandoff, sendHandoffNotice } = proxyActivities<HandoffActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '10 seconds', maximumInterval: '5 minutes', maximumAttempts: 10 },
});

/** The longest wait between two readings of the roster: an override taken meanwhile moves the next hand-off. */
const REPLAN_MS = 24 * 3_600_000;

/**
 * The hand-off watch of one schedule (id `handoff-<policy>-<schedule>`, started by the worker):
 * one cycle per hand-off, each a fresh run (continue-as-new), durable timers between; exits when
 * its schedule no longer asks for notices.
 */
export async function handoff(input: { policy: string; schedule: string; after?: string }): Promise<void> {
  const after = input.after ?? new Date(Date.now()).toISOString();
  const plan = await planHandoff({ policy: input.policy, schedule: input.schedule, after });
  if ('stop' in plan) return;
  if ('none' in plan) {
    await sleep(REPLAN_MS);
    return continueAsNew<typeof handoff>({ policy: input.policy, schedule: input.schedule });
  }
  const wait = Date.parse(plan.noticeAt) - Date.now();
  if (wait > REPLAN_MS) {
    await sleep(REPLAN_MS);
    return continueAsNew<typeof handoff>({ policy: input.policy, schedule: input.schedule, after });
  }
  if (wait > 0) await sleep(wait);
  if (Date.parse(plan.shiftStart) > Date.now()) await sendHandoffNotice({ policy: input.policy, schedule: input.schedule, shiftStart: plan.shiftStart });
  return continueAsNew<typeof handoff>({ policy: input.policy, schedule: input.schedule, after: plan.shiftStart });
}

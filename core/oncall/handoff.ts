// Workflow-safe: workflow code imports this module; keep Node-only modules out (test/workflow/bundle.test.ts).
import { timeline, type Schedule } from '../escalation/schedule';

/**
 * Hand-off notices: before a shift starts, the incoming responder hears it, in their zone, with
 * the open incidents they inherit. One `handoff` workflow per schedule that asks for notices.
 */

/** How far ahead the next hand-off is looked for; beyond it, the watch looks again a day later. */
export const HANDOFF_HORIZON_MS = 90 * 86_400_000;

export const handoffWorkflowId = (policy: string, schedule: string): string => `handoff-${policy}-${schedule}`;

export interface NextHandoff {
  /** UTC ms of the shift's start. */
  at: number;
  responder: string;
}

/** The first hand-off after `after` (a change to someone on call), within the horizon. */
export function nextHandoff(schedule: Schedule, after: number): NextHandoff | undefined {
  const shifts = timeline(schedule, after, after + HANDOFF_HORIZON_MS);
  for (let i = 1; i < shifts.length; i++) {
    const incoming = shifts[i].responder;
    if (incoming !== undefined && incoming !== shifts[i - 1].responder) return { at: shifts[i].from, responder: incoming };
  }
  return undefined;
}

import { ApplicationFailure } from '@temporalio/common';
import { ClockError, type Clock } from '../core/regulation/clock';
import { computeClock, followUpDue } from '../core/regulation/deadlines';
import { obligationById, type TriggerKind } from '../core/regulation/regimes';

export interface ComputeClocksInput {
  obligations: string[];
  triggers: Partial<Record<TriggerKind, string>>;
  reminders?: string[];
  /** The policy's bounds where the law says "without undue delay", by obligation id (and `follow-up`). */
  withinHours?: Record<string, number>;
}

/** Errors of the rules themselves (an unknown calendar, a bad instant) are not cured by a retry. */
function rulesOnly<T>(compute: () => T): T {
  try {
    return compute();
  } catch (err) {
    if (err instanceof ClockError || err instanceof RangeError) throw ApplicationFailure.nonRetryable(err.message, 'ClockError');
    throw err;
  }
}

/**
 * Deadlines are computed here, not in the workflow: business days read holiday data from a
 * library, and a clock must not move when a worker runs a newer version of it. The result is
 * recorded in the incident's history once and for all.
 */
export function createClockActivities() {
  return {
    async computeClocks(input: ComputeClocksInput): Promise<Clock[]> {
      return rulesOnly(() =>
        input.obligations.map((id) => computeClock(obligationById(id), input.triggers, { reminders: input.reminders, policyHours: input.withinHours?.[id] })),
      );
    },

    /** When the next phase of a phased filing is due (Art. 33(4); LGPD's 20 business days). */
    async computeFollowUp(input: { obligation: string; filedAt: string; withinHours?: number }): Promise<string> {
      return rulesOnly(() => followUpDue(obligationById(input.obligation), input.filedAt, { policyHours: input.withinHours }));
    },
  };
}

export type ClockActivities = ReturnType<typeof createClockActivities>;

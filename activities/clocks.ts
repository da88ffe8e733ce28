import { ApplicationFailure } from '@temporalio/common';
import { ClockError, computeClock, type Clock } from '../core/deadlines';
import { obligationById, type TriggerKind } from '../core/regimes';

export interface ComputeClocksInput {
  obligations: string[];
  triggers: Partial<Record<TriggerKind, string>>;
  reminders?: string[];
}

/**
 * Deadlines are computed here, not in the workflow: business days read holiday data from a
 * library, and a clock must not move when a worker runs a newer version of it. The result is
 * recorded in the incident's history once and for all.
 */
export function createClockActivities() {
  return {
    async computeClocks(input: ComputeClocksInput): Promise<Clock[]> {
      try {
        return input.obligations.map((id) => computeClock(obligationById(id), input.triggers, { reminders: input.reminders }));
      } catch (err) {
        if (err instanceof ClockError || err instanceof RangeError) throw ApplicationFailure.nonRetryable(err.message, 'ClockError');
        throw err;
      }
    },
  };
}

export type ClockActivities = ReturnType<typeof createClockActivities>;

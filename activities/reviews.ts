import { ApplicationFailure } from '@temporalio/common';
import type { IncidentState } from '../core/incident/state';
import type { Policy } from '../core/policy/policy';
import { reviewRecord, type ReviewRecord } from '../core/reviews/review-record';
import { reviewSchedule, type ReviewSchedule } from '../core/reviews/review-due';
import { DEFAULT_REVIEW_SETTINGS } from '../core/reviews/review-settings';
import { DEFAULT_BUSINESS_HOURS } from '../core/escalation/hours';

/**
 * What a review needs computed outside workflow code, once, into its history: the due date and
 * reminder times on the business calendar (holiday data, as for the legal clocks), and the record
 * pre-filled from the incident's state (the evidence pack's figures).
 */
export function createReviewActivities() {
  return {
    async prepareReview(input: { incident: IncidentState; policy: Policy; owner: string }): Promise<ReviewSchedule & { record: ReviewRecord }> {
      const { incident, policy } = input;
      const zone = policy.responders.find((r) => r.name === input.owner)?.timeZone ?? 'UTC';
      try {
        const schedule = reviewSchedule(incident.resolvedAt ?? new Date().toISOString(), { ...DEFAULT_REVIEW_SETTINGS, ...policy.reviews }, {
          zone,
          endOfDay: (policy.businessHours ?? DEFAULT_BUSINESS_HOURS).to,
          levels: policy.levels.length,
        });
        return { ...schedule, record: reviewRecord(incident) };
      } catch (err) {
        // A calendar the holiday library does not know is not cured by a retry.
        if (err instanceof RangeError) throw ApplicationFailure.nonRetryable(err.message, 'ReviewCalendarError');
        throw err;
      }
    },
  };
}

export type ReviewActivities = ReturnType<typeof createReviewActivities>;

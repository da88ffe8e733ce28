import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { patched, ParentClosePolicy, startChild, workflowInfo } from '@temporalio/workflow';
import type { Incident } from '../core/incident/incident';
import type { review } from './review';
import { REVIEW_WORKFLOW_TYPE, reviewWorkflowId } from './review-messages';

/**
 * Starts the post-incident review of a resolved incident, once: not for a false positive, nor under
 * a policy that says `reviews.required: false`; for
 * a drill (the `drill` workflow runs this same incident code) only when its policy's
 * `reviews.drills` says so. A child workflow abandoned by its parent: the review outlives the
 * incident's run by days. Behind a patch, so incidents recorded before reviews replay as they ran
 * (`release`: the run is under a release patch that implies it).
 */
export function createReviewStarter(incident: Incident, alreadyStarted: boolean, o: { release: boolean }) {
  let started = alreadyStarted;
  return {
    get started(): boolean {
      return started;
    },

    /**
     * Whether the review is owed now and not yet started. Synchronous on purpose: the loop awaits
     * `start` only when it is, so incidents that owe none (and histories recorded before the
     * patch) take no extra turn of the event loop, which would reorder their commands on replay.
     */
    isDue(): boolean {
      if (started) return false;
      const s = incident.snapshot();
      if (s.status !== 'resolved' || s.falsePositive) return false;
      if (incident.policy.reviews?.required === false) return false;
      if (workflowInfo().workflowType === 'drill' && !incident.policy.reviews?.drills) return false;
      // A run under a later release patch (workflows/incident.ts) owes it without a marker of its own.
      return o.release || patched('2026-12-post-incident-review');
    },

    async start(): Promise<void> {
      started = true;
      const s = incident.snapshot();
      try {
        await startChild<typeof review>(REVIEW_WORKFLOW_TYPE, {
          workflowId: reviewWorkflowId(s.incidentId),
          args: [{ incidentId: s.incidentId, policy: incident.policy, incident: s }],
          parentClosePolicy: ParentClosePolicy.ABANDON,
        });
      } catch (err) {
        // An earlier run of this incident id (its alerts came back) still owes its review: that one stands.
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      }
    },
  };
}

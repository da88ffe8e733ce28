// Workflow-safe: definitions only; the review workflow and the client both read them.
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { AddActionRequest, CompleteActionRequest, ReviewAction, ReviewState, SubmitRequest, UpdateActionRequest } from '../core/reviews/review';

/**
 * The post-incident review's messages (workflows/review.ts). Every change is an Update, not a
 * Signal: the owner must learn at once whether it was taken, and a refusal (not the owner, an
 * action owner who is no responder, a due date in the past) must reach them with its reason
 * before anything is recorded. Wire names are recorded by histories: never rename one.
 */
export const reviewMessages = {
  submit: defineUpdate<ReviewState, [SubmitRequest]>('submit'),
  addAction: defineUpdate<ReviewAction, [AddActionRequest]>('addAction'),
  updateAction: defineUpdate<ReviewAction, [UpdateActionRequest]>('updateAction'),
  completeAction: defineUpdate<ReviewAction, [CompleteActionRequest]>('completeAction'),
  review: defineQuery<ReviewState>('review'),
};

/** The review workflow's type and id: one review per incident id. */
export const REVIEW_WORKFLOW_TYPE = 'review';
export const reviewWorkflowId = (incidentId: string): string => `review-${incidentId}`;

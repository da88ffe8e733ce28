import { QueryNotRegisteredError, type Client } from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import { DRILL_ID_PREFIX } from '../core/drills/drill';
import { checkUpdateText } from '../core/shared/free-text';
import type { ResponderRef } from '../core/incident/actor';
import type { NewAction, ReviewAction, ReviewFindings, ReviewState, ReviewStatus } from '../core/reviews/review';
import { redactAction, redactFindings } from '../core/reviews/review-input';
import { REVIEW_WORKFLOW_TYPE, reviewMessages, reviewWorkflowId } from '../workflows/review-messages';
import { SEARCH_ATTRIBUTES } from '../workflows/search-attributes';
import { token } from './incident-filter';
import { IncidentNotFoundError, translate } from './incidents';

/** The review's changes, by the names of its Updates (workflows/review-messages.ts). */
type ReviewChange = 'submit' | 'addAction' | 'updateAction' | 'completeAction';
type ArgOf<N extends ReviewChange> = (typeof reviewMessages)[N] extends UpdateDefinition<unknown, [infer A]> ? A : never;
type ResultOf<N extends ReviewChange> = (typeof reviewMessages)[N] extends UpdateDefinition<infer R, [unknown]> ? R : never;

export interface ReviewSummary {
  incidentId: string;
  status: ReviewStatus | string;
  tenant?: string;
  /** The earliest due date of an open follow-up action. */
  nearestActionDue?: string;
  /** When the review was started (the incident's resolution). */
  startedAt: string;
}

/** Which reviews a list wants: running ones only (a complete review has ended), narrowed by each field. */
export interface ReviewFilter {
  tenants?: string[];
  status?: ReviewStatus;
  /** Past their due date and not submitted. */
  late?: boolean;
  /** With an open follow-up action past its due date at `now`. */
  overdueActionsAt?: Date;
  /** Only the reviews of drills (`review-drill-…`, owed when a policy says `reviews.drills: true`). */
  drills?: boolean;
}

/** The Temporal visibility query of a review filter: reviews still open (owed, late, or with actions to do). */
export function reviewVisibilityQuery(f: ReviewFilter): string {
  const sa = SEARCH_ATTRIBUTES;
  return [
    `WorkflowType = '${REVIEW_WORKFLOW_TYPE}'`,
    `ExecutionStatus = 'Running'`,
    ...(f.tenants ? [f.tenants.length ? `${sa.tenant.name} IN (${f.tenants.map((t) => token('tenant', t)).join(', ')})` : `${sa.tenant.name} = ''`] : []),
    ...(f.late ? [`${sa.status.name} = 'late'`] : []),
    ...(f.status ? [`${sa.status.name} = ${token('status', f.status)}`] : []),
    ...(f.overdueActionsAt ? [`${sa.nextDeadline.name} < '${f.overdueActionsAt.toISOString()}'`] : []),
    ...(f.drills ? [`WorkflowId STARTS_WITH '${reviewWorkflowId(DRILL_ID_PREFIX)}'`] : []),
  ].join(' AND ');
}

/**
 * Post-incident reviews from outside the worker: read one, change one through its Updates
 * (text checked and redacted first, as every change to an incident is), list the open ones.
 * Errors are the incidents' own (not found, closed, refused with the reason), so callers answer alike.
 */
export class Reviews {
  constructor(private readonly client: Client) {}

  async show(incidentId: string): Promise<ReviewState> {
    try {
      return await this.client.workflow.getHandle(reviewWorkflowId(incidentId)).query(reviewMessages.review);
    } catch (err) {
      // Its first moments: the review computes its due date before it answers.
      if (err instanceof QueryNotRegisteredError) throw new IncidentNotFoundError(`the review of incident ${incidentId} is being prepared: ask again in a moment`);
      throw translate(err, incidentId, `the review of incident ${incidentId}`);
    }
  }

  /** The owner's (or an incident commander's) write-up; its words redacted before they leave for Temporal. */
  submit(incidentId: string, by: ResponderRef, findings: ReviewFindings): Promise<ReviewState> {
    return this.change('submit', incidentId, { by, findings: redactFindings(findings) });
  }

  addAction(incidentId: string, by: ResponderRef, action: NewAction): Promise<ReviewAction> {
    return this.change('addAction', incidentId, { by, ...redactAction(action) });
  }

  updateAction(incidentId: string, by: ResponderRef, n: number, change: Partial<NewAction>): Promise<ReviewAction> {
    return this.change('updateAction', incidentId, { by, n, ...redactAction(change) });
  }

  completeAction(incidentId: string, by: ResponderRef, n: number): Promise<ReviewAction> {
    return this.change('completeAction', incidentId, { by, n });
  }

  private async change<N extends ReviewChange>(name: N, incidentId: string, arg: ArgOf<N>): Promise<ResultOf<N>> {
    checkUpdateText(arg);
    try {
      const update = reviewMessages[name] as unknown as UpdateDefinition<ResultOf<N>, [ArgOf<N>]>;
      return await this.client.workflow.getHandle(reviewWorkflowId(incidentId)).executeUpdate(update, { args: [arg] });
    } catch (err) {
      throw translate(err, incidentId, `the review of incident ${incidentId}`);
    }
  }

  /** Where a review stands, from visibility (no worker replays it, also once it has ended); undefined when there is none. */
  async statusOf(incidentId: string): Promise<string | undefined> {
    try {
      const d = await this.client.workflow.getHandle(reviewWorkflowId(incidentId)).describe();
      return d.typedSearchAttributes.get(SEARCH_ATTRIBUTES.status) ?? 'owed';
    } catch (err) {
      const known = translate(err, incidentId);
      if (known instanceof IncidentNotFoundError) return undefined;
      throw known;
    }
  }

  async count(filter: ReviewFilter): Promise<number> {
    return (await this.client.workflow.count(reviewVisibilityQuery(filter))).count;
  }

  async list(filter: ReviewFilter = {}, limit = 100): Promise<ReviewSummary[]> {
    const out: ReviewSummary[] = [];
    for await (const wf of this.client.workflow.list({ query: reviewVisibilityQuery(filter), pageSize: Math.min(limit, 1000) })) {
      const sa = wf.typedSearchAttributes;
      out.push({
        incidentId: wf.workflowId.replace(/^review-/, ''),
        status: sa.get(SEARCH_ATTRIBUTES.status) ?? 'owed',
        tenant: sa.get(SEARCH_ATTRIBUTES.tenant),
        nearestActionDue: sa.get(SEARCH_ATTRIBUTES.nextDeadline)?.toISOString(),
        startedAt: wf.startTime.toISOString(),
      });
      if (out.length >= limit) break;
    }
    return out;
  }
}

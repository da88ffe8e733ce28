import type { IncomingMessage } from 'node:http';
import type { z } from 'zod';
import { describeIssues } from '../../core/alerts/alert';
import type { PolicyBook } from '../../core/policy/routing';
import { INCIDENT_COMMANDER_ROLE } from '../../core/reviews/review';
import { actionChangeSchema, findingsSchema, newActionSchema } from '../../core/reviews/review-input';
import { FilterError } from '../incident-filter';
import type { Reviews } from '../reviews';
import { authorize, hideOtherTenants, type Credentials } from './authorization';
import { HttpError, parseRequestJson, readBody } from './http';
import { answeringRefusals } from './incident-errors';

/**
 * The post-incident review routes (`/v1/incidents/:id/review…`, `/v1/reviews`): reads with an
 * incidents:read token, changes with an incidents:write token as the responder it is bound to,
 * like every change to an incident (client/api/compliance.ts). The body's shape and bounds are
 * checked here (422 naming the field); who may submit, and what an action may say, the review
 * workflow decides (403 with its reason).
 */
type Answer = Promise<{ status: number; body: unknown }>;

/** A review's body is small: findings of at most a few thousand characters per field. */
const MAX_REVIEW_BODY_BYTES = 64 * 1024;

async function bodyOf<T>(req: IncomingMessage, schema: z.ZodType<T>, what: string): Promise<T> {
  const raw = (await readBody(req, MAX_REVIEW_BODY_BYTES)).toString('utf8');
  const parsed = schema.safeParse(raw.trim() ? parseRequestJson(raw) : {});
  if (!parsed.success) throw new HttpError(422, `${what}: ${describeIssues(parsed.error).join('; ')}`);
  return parsed.data;
}

async function actingResponder(req: IncomingMessage, credentials: Credentials, id: string) {
  const token = await authorize(req, credentials, 'incidents:write');
  hideOtherTenants(token, id);
  if (!token.responder) throw new HttpError(403, `token "${token.name}" is bound to no responder: a review is changed by a person`);
  return { responder: token.responder, via: 'api' as const };
}

/** An action's number in the path: a whole number from 1. */
function actionNumber(raw: string): number {
  if (!/^[1-9]\d{0,2}$/.test(raw)) throw new HttpError(404, `no action "${raw}": actions are numbered 1, 2, 3…`);
  return Number(raw);
}

/**
 * `GET /v1/incidents/:id/review`: the review, and `commanders`, the responders of its policy who
 * may submit it besides its owner (the incident-commander role), so a client offers the form to them.
 */
export async function showReview(req: IncomingMessage, credentials: Credentials, reviews: Reviews, id: string, book: PolicyBook): Answer {
  hideOtherTenants(await authorize(req, credentials, 'incidents:read'), id);
  const review = await answeringRefusals(() => reviews.show(id));
  const policy = book.policies.find((p) => p.name === review.policyName);
  const commanders = (policy?.responders ?? []).filter((r) => r.roles?.includes(INCIDENT_COMMANDER_ROLE)).map((r) => r.name);
  return { status: 200, body: { review, commanders } };
}

/** `PUT /v1/incidents/:id/review`: the findings (summary, rootCause, contributingFactors, wentWell, wentBadly). */
export async function submitReview(req: IncomingMessage, credentials: Credentials, reviews: Reviews, id: string): Answer {
  const by = await actingResponder(req, credentials, id);
  const findings = await bodyOf(req, findingsSchema, 'the review');
  return { status: 200, body: { review: await answeringRefusals(() => reviews.submit(id, by, findings)) } };
}

/** `POST /v1/incidents/:id/review/actions`: `{ title, owner, dueAt }`. */
export async function addReviewAction(req: IncomingMessage, credentials: Credentials, reviews: Reviews, id: string): Answer {
  const by = await actingResponder(req, credentials, id);
  const action = await bodyOf(req, newActionSchema, 'the action');
  return { status: 201, body: { action: await answeringRefusals(() => reviews.addAction(id, by, action)) } };
}

/** `POST /v1/incidents/:id/review/actions/:n`: `{ title?, owner?, dueAt? }` or `{ done: true }`. */
export async function changeReviewAction(req: IncomingMessage, credentials: Credentials, reviews: Reviews, id: string, n: string): Answer {
  const by = await actingResponder(req, credentials, id);
  const number = actionNumber(n);
  const { done, ...change } = await bodyOf(req, actionChangeSchema, `action ${number}`);
  const action = await answeringRefusals(() => (done ? reviews.completeAction(id, by, number) : reviews.updateAction(id, by, number, change)));
  return { status: 200, body: { action } };
}

/** `GET /v1/reviews?late=true&overdue=true`: the open reviews (owed, late, with actions to do), of the token's tenants. */
export async function listReviews(req: IncomingMessage, credentials: Credentials, reviews: Reviews, now: Date): Answer {
  const token = await authorize(req, credentials, 'incidents:read');
  const params = new URL(req.url ?? '/', 'http://klaxon').searchParams;
  for (const key of params.keys()) if (key !== 'late' && key !== 'overdue') throw new HttpError(400, `unknown parameter "${key}": use late=true or overdue=true`);
  const flag = (key: string) => {
    const v = params.get(key);
    if (v !== null && v !== 'true' && v !== 'false') throw new HttpError(400, `${key} is true or false, not "${v}"`);
    return v === 'true';
  };
  try {
    const filter = { ...(token.tenants ? { tenants: token.tenants } : {}), late: flag('late'), ...(flag('overdue') ? { overdueActionsAt: now } : {}) };
    return { status: 200, body: { reviews: await reviews.list(filter) } };
  } catch (err) {
    if (err instanceof FilterError) throw new HttpError(400, err.message);
    throw err;
  }
}

import { z } from 'zod';
import { redact } from '../shared/redaction';
import { isInstantWithOffset } from '../shared/time-format';
import { REVIEW_LIMITS, type NewAction, type ReviewFindings } from './review';

/**
 * What people send a review (the API's bodies, the CLI's review file), checked for shape and
 * bounds before it reaches the workflow: text lengths, at most REVIEW_LIMITS.items items per list,
 * a due date that is an instant with its offset or a calendar date (the end of that day, UTC).
 * The review's own rules (who may submit, an owner among the policy's responders, a due date
 * in the future and within a year) are the workflow's (core/reviews/review.ts).
 */
const text = (max: number) => z.string().trim().min(1, 'must not be empty').max(max, `at most ${max} characters`);
const items = z.array(text(REVIEW_LIMITS.itemText)).max(REVIEW_LIMITS.items, `at most ${REVIEW_LIMITS.items} items`).default([]);
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const dueDate = z
  .string({ error: 'is required (an instant with its offset, e.g. 2027-01-15T17:00:00Z, or a date, 2027-01-15)' })
  .refine((s) => isInstantWithOffset(s) || (DATE_ONLY.test(s) && !Number.isNaN(Date.parse(s))), 'must be an instant with its offset (2027-01-15T17:00:00Z) or a date (2027-01-15)')
  .transform((s) => (DATE_ONLY.test(s) ? `${s}T23:59:59.999Z` : new Date(s).toISOString()));
const owner = z.string({ error: 'is required (a responder of the policy)' }).trim().min(1, 'is required (a responder of the policy)').max(64);

export const findingsSchema = z.strictObject({
  summary: text(REVIEW_LIMITS.text),
  rootCause: text(REVIEW_LIMITS.text),
  contributingFactors: items,
  wentWell: items,
  wentBadly: items,
});

export const newActionSchema = z.strictObject({ title: z.string({ error: 'is required' }).pipe(text(REVIEW_LIMITS.title)), owner, dueAt: dueDate });

/** A change to an action: any of its fields, or `done: true`. */
export const actionChangeSchema = z
  .strictObject({ title: text(REVIEW_LIMITS.title).optional(), owner: owner.optional(), dueAt: dueDate.optional(), done: z.literal(true).optional() })
  .refine((b) => b.done || b.title !== undefined || b.owner !== undefined || b.dueAt !== undefined, 'give a title, an owner, a due date, or done: true')
  .refine((b) => !(b.done && (b.title !== undefined || b.owner !== undefined || b.dueAt !== undefined)), 'done: true is sent alone');

export type ActionChange = z.infer<typeof actionChangeSchema>;

/** The findings with every free word redacted, as an incident's notes are before they reach Temporal. */
export function redactFindings(f: ReviewFindings): ReviewFindings {
  return { summary: redact(f.summary), rootCause: redact(f.rootCause), contributingFactors: f.contributingFactors.map(redact), wentWell: f.wentWell.map(redact), wentBadly: f.wentBadly.map(redact) };
}

export const redactAction = <A extends Partial<NewAction>>(a: A): A => (a.title === undefined ? a : { ...a, title: redact(a.title) });

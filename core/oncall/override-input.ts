import { IANAZone } from 'luxon';
import { z } from 'zod';
import { timeline, type Schedule } from '../escalation/schedule';
import type { PolicyBook } from '../policy/routing';
import type { Policy } from '../policy/policy';
import { textProblem } from '../shared/free-text';
import { InstantInputError, readInstant } from '../shared/instant-input';
import { redact } from '../shared/redaction';
import type { RuntimeOverride } from './runtime-override';

/** Bounds of a run-time override: a roster change, not a second schedule. */
export const OVERRIDE_LIMITS = {
  reason: 500,
  maxDays: 90,
  name: 64,
  daysAhead: 366,
  /** Live (not cancelled, not ended) overrides a policy may hold: every page of a schedule reads them all into the incident's history. */
  livePerPolicy: 200,
} as const;

/** An override or swap refused: the 400 (or 404, 409) says which field and why; nothing is recorded. */
export class OverrideInputError extends Error {
  override readonly name = 'OverrideInputError';
  constructor(
    message: string,
    readonly status: 400 | 403 | 404 | 409 = 400,
  ) {
    super(message);
  }
}

/** A string field: missing and of another type are two different mistakes, each said as such. */
const text = (field: string, required = `${field} is required`) =>
  z.string({ error: (issue) => (issue.input === undefined ? required : `${field} must be a string, not ${kindOf(issue.input)}`) });

/** What a JSON value is, for a refusal: "a number", "null", "an array", … */
export const kindOf = (value: unknown): string =>
  value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value === 'object' ? 'an object' : `a ${typeof value}`;

const oneLine = (field: string, max: number) =>
  text(field)
    .min(1, `${field} must not be empty`)
    .superRefine((s, ctx) => {
      const problem = textProblem(s, { max, oneLine: true });
      if (problem) ctx.addIssue({ code: 'custom', message: `${field} ${problem}` });
    });

const instant = (field: string) => text(field).min(1).max(40, `${field} is too long for a date-time`);

/**
 * `POST /v1/oncall/overrides`: an override (`responder` covers the whole slot from `from` to
 * `until`), or a swap (`responder` covers `with`'s turns from `from` to `until`, and, given
 * `backFrom`/`backUntil`, `with` covers `responder`'s turns then). Times carry an offset or are
 * local to `tz` (an IANA zone).
 */
export const overrideRequestSchema = z.strictObject({
  kind: z.enum(['override', 'swap']).default('override'),
  policy: oneLine('policy', OVERRIDE_LIMITS.name).optional(),
  schedule: oneLine('schedule', OVERRIDE_LIMITS.name),
  responder: oneLine('responder', OVERRIDE_LIMITS.name),
  with: oneLine('with', OVERRIDE_LIMITS.name).optional(),
  from: instant('from'),
  until: instant('until'),
  backFrom: instant('backFrom').optional(),
  backUntil: instant('backUntil').optional(),
  tz: oneLine('tz', OVERRIDE_LIMITS.name).optional(),
  reason: text('reason', 'reason is required (why the roster changes)')
    .trim()
    .min(1, 'reason must not be empty')
    .superRefine((s, ctx) => {
      const problem = textProblem(s, { max: OVERRIDE_LIMITS.reason });
      if (problem) ctx.addIssue({ code: 'custom', message: `reason ${problem}` });
    }),
});
export type OverrideRequest = z.input<typeof overrideRequestSchema>;

/** The first problem zod found, as one sentence naming the field. */
export function parseOverrideRequest(body: unknown): z.output<typeof overrideRequestSchema> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new OverrideInputError(`the body must be a JSON object, not ${kindOf(body)}`);
  const r = overrideRequestSchema.safeParse(body);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const field = issue.path.join('.');
  throw new OverrideInputError(field && !issue.message.startsWith(field) ? `${field}: ${issue.message}` : issue.message);
}

/** A date-time with an offset, or local in `zone` (core/shared/instant-input.ts), refused as a 400. */
export function instantIn(text: string, field: string, zone: string | undefined): number {
  try {
    return readInstant(text, field, zone);
  } catch (err) {
    if (err instanceof InstantInputError) throw new OverrideInputError(err.message);
    throw err;
  }
}

/** The policy holding the schedule: named, or the only one with a schedule of that name. */
export function scheduleOf(book: PolicyBook, scheduleName: string, policyName: string | undefined): { policy: Policy; schedule: Schedule } {
  const holders = book.policies.filter((p) => (policyName === undefined || p.name === policyName) && p.schedules?.some((s) => s.name === scheduleName));
  if (policyName !== undefined && !book.policies.some((p) => p.name === policyName)) throw new OverrideInputError(`policy "${policyName}" is not in force`, 404);
  if (holders.length === 0) throw new OverrideInputError(`schedule "${scheduleName}" is not a schedule of ${policyName !== undefined ? `policy "${policyName}"` : 'any policy in force'}`, 404);
  if (holders.length > 1) throw new OverrideInputError(`schedule "${scheduleName}" is in policies ${holders.map((p) => `"${p.name}"`).join(', ')}: name one (policy)`);
  return { policy: holders[0], schedule: holders[0].schedules!.find((s) => s.name === scheduleName)! };
}

/** Whether the schedule's layers (the policy file's roster) ever have `person` on call in [from, to). */
function everOnCall(schedule: Schedule, person: string, from: number, to: number): boolean {
  return timeline({ ...schedule, overrides: [] }, from, to).some((s) => s.responder === person);
}

export interface OverrideContext {
  book: PolicyBook;
  now: number;
  /** Who takes it (the token's responder or name). */
  by: string;
  /** A fresh id per override (`ovr-…`); the caller makes them (randomness is I/O here). */
  newId: () => string;
}

/**
 * Checks a request against the policies in force and turns it into the overrides to store: one
 * for an override, one or two swap halves for a swap. Throws OverrideInputError naming the
 * problem: unknown policy, schedule or person, a non-IANA zone, until not after from, a period
 * already over, longer than 90 days or starting more than 366 days ahead, a swap whose other person is never on call in its period.
 */
export function overridesFor(body: unknown, ctx: OverrideContext): Array<Omit<RuntimeOverride, 'cancelledAt'>> {
  const req = parseOverrideRequest(body);
  if (req.tz !== undefined && !IANAZone.isValidZone(req.tz)) throw new OverrideInputError(`tz "${req.tz}" is not an IANA time zone (e.g. Europe/Berlin)`);
  const { policy, schedule } = scheduleOf(ctx.book, req.schedule, req.policy);
  const person = (name: string, field: string): string => {
    if (!policy.responders.some((r) => r.name === name)) throw new OverrideInputError(`${field} "${name}" is not a responder of policy "${policy.name}"`);
    return name;
  };
  const period = (fromText: string, untilText: string, fields: [string, string]): [number, number] => {
    const from = instantIn(fromText, fields[0], req.tz);
    const to = instantIn(untilText, fields[1], req.tz);
    if (!(to > from)) throw new OverrideInputError(`${fields[1]} must be after ${fields[0]}`);
    if (to <= ctx.now) throw new OverrideInputError(`the period ${fields[0]}–${fields[1]} is already over`);
    if (to - from > OVERRIDE_LIMITS.maxDays * 86_400_000) throw new OverrideInputError(`the period ${fields[0]}–${fields[1]} is longer than ${OVERRIDE_LIMITS.maxDays} days`);
    if (from - ctx.now > OVERRIDE_LIMITS.daysAhead * 86_400_000) throw new OverrideInputError(`${fields[0]} is more than ${OVERRIDE_LIMITS.daysAhead} days ahead: take it nearer the time`);
    return [from, to];
  };
  const responder = person(req.responder, 'responder');
  const createdAt = new Date(ctx.now).toISOString();
  const half = (who: string, replaces: string | undefined, [from, to]: [number, number]) => ({
    id: ctx.newId(),
    policy: policy.name,
    schedule: schedule.name,
    responder: who,
    ...(replaces !== undefined ? { replaces } : {}),
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
    // Free text people type: redacted before it is stored (database, ledger), like an Update's reason.
    reason: redact(req.reason),
    by: ctx.by,
    createdAt,
  });
  if (req.kind === 'override') {
    for (const f of ['with', 'backFrom', 'backUntil'] as const) if (req[f] !== undefined) throw new OverrideInputError(`${f} is for a swap (kind "swap")`);
    return [half(responder, undefined, period(req.from, req.until, ['from', 'until']))];
  }
  if (req.with === undefined) throw new OverrideInputError('with is required for a swap: whose turns the responder takes');
  const other = person(req.with, 'with');
  if (other === responder) throw new OverrideInputError('a swap needs two different people (responder and with)');
  if ((req.backFrom === undefined) !== (req.backUntil === undefined)) throw new OverrideInputError('backFrom and backUntil go together');
  const there = period(req.from, req.until, ['from', 'until']);
  if (!everOnCall(schedule, other, ...there)) throw new OverrideInputError(`${other} is never on call on schedule "${schedule.name}" from ${req.from} until ${req.until}: nothing to swap`);
  const halves = [half(responder, other, there)];
  if (req.backFrom !== undefined && req.backUntil !== undefined) {
    const back = period(req.backFrom, req.backUntil, ['backFrom', 'backUntil']);
    if (!everOnCall(schedule, responder, ...back)) throw new OverrideInputError(`${responder} is never on call on schedule "${schedule.name}" from ${req.backFrom} until ${req.backUntil}: nothing to swap back`);
    halves.push(half(other, responder, back));
  }
  return halves;
}

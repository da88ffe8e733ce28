import { IANAZone } from 'luxon';
import { z } from 'zod';
import { TENANT_PATTERN } from '../alerts/tenant-name';
import { textProblem } from '../shared/free-text';
import { InstantInputError, readInstant } from '../shared/instant-input';
import { redact } from '../shared/redaction';
import type { MaintenanceWindow } from './window';

/** Bounds of a window: a planned change, not a way to switch a detector off for good. */
/** A window starts at most `daysAhead` days ahead (as an on-call override): a typo'd year would otherwise block its scope for years. */
/** `perTenant`: windows live or to come a tenant may have at once (each is read at every alert of the tenant). */
export const WINDOW_LIMITS = { minMinutes: 1, maxMinutes: 43_200, reason: 500, name: 64, daysAhead: 366, perTenant: 50 } as const;

/** A window refused: the 4xx names the field and why; nothing is stored or recorded. */
export class MaintenanceInputError extends Error {
  override readonly name = 'MaintenanceInputError';
  constructor(
    message: string,
    readonly status: 400 | 404 | 409 = 400,
  ) {
    super(message);
  }
}

const oneLine = (field: string, max: number) =>
  z
    .string({ error: `${field} must be text` })
    .trim()
    .min(1, `${field} must not be empty`)
    .superRefine((s, ctx) => {
      const problem = textProblem(s, { max, oneLine: true });
      if (problem) ctx.addIssue({ code: 'custom', message: `${field} ${problem}` });
    });

const instant = (field: string) => z.string({ error: `${field} must be a date-time` }).min(1).max(40, `${field} is too long for a date-time`);

/**
 * `POST /v1/maintenance`: the scope (tenant, optionally source and service), how long (`minutes`,
 * or `until`; `from` defaults to now), or `openEnded` with the reason it has no end, and why.
 * Times carry an offset or are local to `tz` (an IANA zone).
 */
export const windowRequestSchema = z.strictObject({
  tenant: z.string({ error: 'tenant is required' }).regex(TENANT_PATTERN, 'tenant: letters, digits, ".", "_" or "-", at most 128'),
  source: oneLine('source', WINDOW_LIMITS.name).optional(),
  service: oneLine('service', WINDOW_LIMITS.name).optional(),
  minutes: z
    .number({ error: 'minutes must be a number' })
    .int('minutes must be a whole number')
    .min(WINDOW_LIMITS.minMinutes, `minutes must be at least ${WINDOW_LIMITS.minMinutes}`)
    .max(WINDOW_LIMITS.maxMinutes, `minutes must be at most ${WINDOW_LIMITS.maxMinutes} (30 days); a longer silence is an open-ended window, with its reason`)
    .optional(),
  from: instant('from').optional(),
  until: instant('until').optional(),
  tz: oneLine('tz', WINDOW_LIMITS.name).optional(),
  openEnded: oneLine('openEnded', WINDOW_LIMITS.reason).optional(),
  reason: oneLine('reason', WINDOW_LIMITS.reason),
  allowSev1PersonalData: z.boolean({ error: 'allowSev1PersonalData must be true or false' }).default(false),
});
export type WindowRequest = z.input<typeof windowRequestSchema>;

function parse(body: unknown): z.output<typeof windowRequestSchema> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new MaintenanceInputError('the body must be a JSON object');
  if ((body as { reason?: unknown }).reason === undefined) throw new MaintenanceInputError('reason is required (why alerts may be held back)');
  const r = windowRequestSchema.safeParse(body);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const field = issue.path.join('.');
  if (issue.code === 'unrecognized_keys') throw new MaintenanceInputError(`unknown field(s) ${issue.keys.map((k) => JSON.stringify(k.slice(0, 40))).join(', ')}`);
  throw new MaintenanceInputError(field && !issue.message.startsWith(field) ? `${field}: ${issue.message}` : issue.message);
}

/** A date-time with an offset, or local in `zone` (core/shared/instant-input.ts, as on-call overrides read them), refused as a 400. */
function instantIn(text: string, field: string, zone: string | undefined): number {
  try {
    return readInstant(text, field, zone);
  } catch (err) {
    if (err instanceof InstantInputError) throw new MaintenanceInputError(err.message);
    throw err;
  }
}

export interface WindowContext {
  now: number;
  /** Who opens it (the token's responder or name). */
  by: string;
  /** A fresh id (`mw-…`); the caller makes it (randomness is I/O here). */
  newId: () => string;
  /** The alert sources Klaxon knows: a window for another would hold nothing (a typo). */
  sources: readonly string[];
}

/** How far back `from` may lie and still mean "now" (a clock a little behind the server's). */
const NOW_SLACK_MS = 60_000;

/**
 * Checks a request and turns it into the window to store. Throws MaintenanceInputError naming
 * the problem: a missing or multi-line reason, minutes out of 1..43200, until and minutes both
 * or neither (unless open-ended), a window already over or starting in the past, a zone that
 * is not IANA, an unknown source. Overlaps are checked where the window is stored, under the
 * lock (ledger/maintenance-windows.ts).
 */
export function windowFor(body: unknown, ctx: WindowContext): Omit<MaintenanceWindow, 'endedAt' | 'endedBy' | 'held'> {
  const req = parse(body);
  if (req.tz !== undefined && !IANAZone.isValidZone(req.tz)) throw new MaintenanceInputError(`tz ${JSON.stringify(req.tz)} is not an IANA time zone (e.g. Europe/Berlin)`);
  if (req.source !== undefined && !ctx.sources.includes(req.source)) throw new MaintenanceInputError(`source ${JSON.stringify(req.source)} is not an alert source Klaxon knows (${ctx.sources.join(', ')})`);
  const from = req.from === undefined ? ctx.now : instantIn(req.from, 'from', req.tz);
  if (from < ctx.now - NOW_SLACK_MS) throw new MaintenanceInputError('from is in the past: a window starts now or later (leave from out for now)');
  if (from - ctx.now > WINDOW_LIMITS.daysAhead * 86_400_000) throw new MaintenanceInputError(`from is more than ${WINDOW_LIMITS.daysAhead} days ahead: open the window nearer the time`);
  let until: number | null;
  if (req.openEnded !== undefined) {
    if (req.minutes !== undefined || req.until !== undefined) throw new MaintenanceInputError('an open-ended window has no minutes or until');
    until = null;
  } else if (req.minutes !== undefined && req.until !== undefined) {
    throw new MaintenanceInputError('give minutes or until, not both');
  } else if (req.minutes !== undefined) {
    until = from + req.minutes * 60_000;
  } else if (req.until !== undefined) {
    until = instantIn(req.until, 'until', req.tz);
    if (until <= ctx.now) throw new MaintenanceInputError('the window is already over: until is in the past');
    if (!(until > from)) throw new MaintenanceInputError('until must be after from');
    if (until - from > WINDOW_LIMITS.maxMinutes * 60_000) throw new MaintenanceInputError(`the window is longer than ${WINDOW_LIMITS.maxMinutes} minutes (30 days); a longer silence is an open-ended window, with its reason`);
  } else {
    throw new MaintenanceInputError('a window needs an end: minutes (1 to 43200) or until; a window without one must say so, with the reason (openEnded)');
  }
  return {
    id: ctx.newId(),
    tenant: req.tenant,
    ...(req.source !== undefined ? { source: req.source } : {}),
    ...(req.service !== undefined ? { service: req.service } : {}),
    from: new Date(from).toISOString(),
    until: until === null ? null : new Date(until).toISOString(),
    // Free text people type: redacted before it is stored (database, ledger, Slack).
    ...(req.openEnded !== undefined ? { openEnded: redact(req.openEnded) } : {}),
    reason: redact(req.reason),
    by: ctx.by,
    allowSev1PersonalData: req.allowSev1PersonalData,
    createdAt: new Date(ctx.now).toISOString(),
  };
}

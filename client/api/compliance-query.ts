import type { IncomingMessage } from 'node:http';
import { IANAZone } from 'luxon';
import { z } from 'zod';
import { describeIssues } from '../../core/alerts/alert';
import { isInstantWithOffset } from '../../core/shared/time-format';
import { EVIDENCE_FORMATS } from '../evidence';
import { COVERAGE_DAYS } from '../../core/oncall/coverage';
import type { IncidentFilter } from '../incident-filter';
import { HttpError } from './http';

/**
 * How far ahead `deadlineWithinHours` may look: ten years, beyond any legal clock, and far
 * inside the range of a date (1e308 hours is no instant at all).
 */
export const MAX_DEADLINE_WITHIN_HOURS = 10 * 366 * 24;

const instant = z.string().refine(isInstantWithOffset, 'is not a date-time with an offset (e.g. 2026-03-01T00:00:00Z)').transform((v) => new Date(v));
const format = z.enum(EVIDENCE_FORMATS);

/**
 * The query of a compliance route, by a schema of its parameters: each given at most once
 * (but those in `repeatable`), none unknown (a misspelt filter must not silently widen what an
 * auditor sees), every value checked. 400 naming the parameter otherwise.
 */
function queryOf<S extends z.ZodRawShape>(req: IncomingMessage, shape: S, repeatable: readonly string[] = []): z.infer<z.ZodObject<S>> {
  const url = req.url ?? '';
  const params = new URLSearchParams(url.includes('?') ? url.slice(url.indexOf('?') + 1) : '');
  const given: Record<string, string | string[]> = {};
  const unknown = new Set<string>();
  for (const [name, value] of params) {
    if (!Object.hasOwn(shape, name)) unknown.add(JSON.stringify(name.slice(0, 40)));
    else if (repeatable.includes(name)) given[name] = [...((given[name] as string[] | undefined) ?? []), value];
    else if (Object.hasOwn(given, name)) throw new HttpError(400, `query parameter ${name} may be given only once`);
    else given[name] = value;
  }
  if (unknown.size) throw new HttpError(400, `unknown query parameter(s) ${[...unknown].join(', ')}; this route takes ${Object.keys(shape).join(', ') || 'none'}`);
  const parsed = z.object(shape).safeParse(given);
  if (!parsed.success) {
    const problems = describeIssues(parsed.error);
    throw new HttpError(400, `query parameter ${problems.join('; ')}`, { problems });
  }
  return parsed.data;
}

const listShape = {
  status: z.array(z.string()).optional(),
  severity: z.array(z.string()).optional(),
  tenant: z.string().optional(),
  category: z.string().optional(),
  jurisdiction: z.string().optional(),
  since: instant.optional(),
  until: instant.optional(),
  deadlineWithinHours: z
    .string()
    .regex(/^\d{1,6}(\.\d{1,6})?$/, 'is not a number of hours in digits (e.g. 72 or 0.5)')
    .transform(Number)
    .pipe(z.number().gt(0, 'must be more than 0 hours').max(MAX_DEADLINE_WITHIN_HOURS, `must be at most ${MAX_DEADLINE_WITHIN_HOURS} hours`))
    .optional(),
  all: z.enum(['true', 'false']).optional(),
};

/** `GET /v1/incidents?…`: the filter its query asks for (status and severity may repeat). */
export function incidentListQuery(req: IncomingMessage, now: Date): IncidentFilter {
  const q = queryOf(req, listShape, ['status', 'severity']);
  return {
    openOnly: q.all !== 'true',
    status: q.status ?? [],
    severity: q.severity ?? [],
    tenant: q.tenant,
    dataCategory: q.category,
    jurisdiction: q.jurisdiction,
    openedFrom: q.since,
    openedTo: q.until,
    ...(q.deadlineWithinHours !== undefined ? { deadlineBefore: new Date(now.getTime() + q.deadlineWithinHours * 3_600_000) } : {}),
  };
}

/** `GET /v1/incidents/:id?tz=…`: the zone its clocks are shown in, besides UTC and the authority's (default UTC). */
export function incidentQuery(req: IncomingMessage) {
  const zone = z.string().max(64).refine((v) => IANAZone.isValidZone(v), 'is not an IANA time zone (e.g. Europe/Berlin)');
  return { tz: queryOf(req, { tz: zone.default('UTC') }).tz };
}

/** `GET /v1/incidents/:id/evidence?format=…` */
export function evidenceQuery(req: IncomingMessage) {
  return { format: queryOf(req, { format: format.default('json') }).format };
}

/** `GET /v1/evidence?since=…&until=…&format=…`: a period, both ends required. */
export function periodEvidenceQuery(req: IncomingMessage) {
  const q = queryOf(req, { since: instant.optional(), until: instant.optional(), format: format.default('json') });
  if (!q.since || !q.until) throw new HttpError(400, 'a period report needs since and until (date-times with an offset)');
  return { since: q.since, until: q.until, format: q.format };
}

/** `GET /v1/incidents/:id/drafts?obligation=…&format=json|md`: Markdown is of one draft, so it names the obligation. */
export function draftsQuery(req: IncomingMessage) {
  const q = queryOf(req, { obligation: z.string().regex(/^[a-z0-9-]{1,64}$/, 'is not an obligation id (e.g. gdpr-art33)').optional(), format: z.enum(['json', 'md']).default('json') });
  if (q.format === 'md' && !q.obligation) throw new HttpError(400, 'a Markdown draft is of one obligation: name it (obligation=gdpr-art33)');
  return q;
}

/** `GET /v1/deadlines?withinHours=…`: how far ahead to look (default 72 hours). */
export function deadlinesQuery(req: IncomingMessage) {
  const hours = listShape.deadlineWithinHours.unwrap();
  return { withinHours: queryOf(req, { withinHours: hours.optional() }).withinHours ?? 72 };
}

/** `GET /v1/coverage?days=…&policy=…`: how many days ahead (1..90, default 14), one policy or all. */
export function coverageQuery(req: IncomingMessage) {
  const q = queryOf(req, {
    days: z
      .string()
      .regex(/^\d{1,2}$/, 'is not a whole number of days (e.g. 14)')
      .transform(Number)
      .pipe(z.number().min(COVERAGE_DAYS.min, `must be at least ${COVERAGE_DAYS.min}`).max(COVERAGE_DAYS.max, `must be at most ${COVERAGE_DAYS.max}`))
      .optional(),
    policy: z.string().min(1).max(128).optional(),
  });
  return { days: q.days ?? COVERAGE_DAYS.default, policy: q.policy };
}

import { z } from 'zod';
import { isValidTenant } from '../alerts/alert';
import { textProblem } from '../shared/free-text';
import { isHostName } from '../shared/host-name';
import { isStorableText } from '../shared/storable-text';

/**
 * What @klaxon/next sends to `POST /v1/alerts/nextjs` (the wire format of issue 21): an error
 * the app caught, a data-guard finding, or CSP violations aggregated over a window. Strict: an
 * unknown field is refused, so a package and a Klaxon that disagree say so instead of dropping
 * data; every string and number bounded.
 */
export const NEXTJS_MAX_BODY_BYTES = 64 * 1024;

/** Text of 1 to `max` characters (0 when `empty`), none of them a control character (line breaks too, when `oneLine`). */
const text = (max: number, { oneLine = true, empty = false } = {}) =>
  z
    .string()
    .min(empty ? 0 : 1)
    .superRefine((value, ctx) => {
      const problem = textProblem(value, { max, oneLine });
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    });

const tenant = z.string().refine(isValidTenant, 'letters, digits, ".", "_" or "-", at most 128');
const app = z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'letters, digits, ".", "_" or "-", 1 to 64');
/** A path as the browser's `location.pathname` or a route template gives it: no query, no fragment, no space. */
const path = z
  .string()
  .max(512)
  .regex(/^\/[^?#\u0000-\u0020\u007f-\u009f]*$/, 'a path starting with "/", without query, fragment, spaces or control characters')
  .refine(isStorableText, 'holds text no record can store');
const release = z.string().regex(/^[\x21-\x7e]{1,128}$/, 'visible ASCII, no spaces, 1 to 128');
const requestId = z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/, 'letters, digits, ".", "_", ":" or "-", 1 to 128');
const instant = z.iso.datetime({ offset: true });

export const NEXTJS_SURFACES = ['client-component', 'server-component', 'route-handler', 'server-action', 'middleware'] as const;

const errorReport = z.strictObject({
  kind: z.literal('error'),
  app,
  tenant: tenant.optional(),
  surface: z.enum(NEXTJS_SURFACES),
  route: path,
  release: release.optional(),
  requestId: requestId.optional(),
  error: z.strictObject({
    name: text(128),
    // Redacted by the app already; Klaxon redacts it again before keeping it.
    message: text(8192, { oneLine: false, empty: true }),
    digest: text(128).optional(),
    stack: text(8192, { oneLine: false }).optional(),
  }),
  fingerprint: z.string().regex(/^[0-9a-f]{16,64}$/, '16 to 64 lowercase hex digits'),
  count: z.number().int().min(1).max(1_000_000),
  firstSeen: instant,
  lastSeen: instant,
});

const dataGuardReport = z.strictObject({
  kind: z.literal('data-guard'),
  app,
  /** The caller's tenant: the one whose responses carried what they must not. */
  tenant,
  route: path,
  requestId: requestId.optional(),
  release: release.optional(),
  finding: z.enum(['cross-tenant', 'sensitive-field']),
  otherTenants: z.array(tenant).max(20).optional(),
  /** Field names only, never values. */
  fields: z.array(z.string().regex(/^[A-Za-z0-9_.$-]{1,128}$/, 'a field name: letters, digits, "_", ".", "$" or "-", 1 to 128')).max(50).optional(),
  records: z.number().int().min(0).max(10_000_000),
  action: z.enum(['blocked', 'reported']),
  at: instant,
});

/** The CSP keywords a browser reports as the blocked "URL" when no host is involved. */
export const CSP_KEYWORDS = ['inline', 'eval', 'data', 'blob', 'self'] as const;

/** A DNS name or IPv4 address, by labels (no pattern over the whole name, so nothing to backtrack). */

const violation = z.strictObject({
  directive: z.string().regex(/^[a-z][a-z-]{0,63}$/, 'a CSP directive name such as connect-src'),
  blockedHost: z.string().refine((h) => (CSP_KEYWORDS as readonly string[]).includes(h) || isHostName(h), `a host name, or one of ${CSP_KEYWORDS.join(', ')}`),
  documentPath: path,
  count: z.number().int().min(1).max(1_000_000),
});

const cspReport = z.strictObject({
  kind: z.literal('csp'),
  app,
  release: release.optional(),
  violations: z.array(violation).min(1).max(100),
  from: instant,
  until: instant,
});

export const nextjsReport = z.discriminatedUnion('kind', [errorReport, dataGuardReport, cspReport]);
export type NextjsReport = z.infer<typeof nextjsReport>;
export type ErrorReport = z.infer<typeof errorReport>;
export type DataGuardReport = z.infer<typeof dataGuardReport>;
export type CspReport = z.infer<typeof cspReport>;

/** What the schema cannot say field by field: each finding names what it found, and windows run forwards. */
export function reportProblems(report: NextjsReport): string[] {
  const problems: string[] = [];
  if (report.kind === 'data-guard') {
    if (report.finding === 'cross-tenant' && !report.otherTenants?.length) problems.push('otherTenants: a cross-tenant finding names at least one other tenant');
    if (report.finding === 'cross-tenant' && report.otherTenants?.includes(report.tenant)) problems.push("otherTenants: holds the caller's own tenant");
    if (report.finding === 'sensitive-field' && !report.fields?.length) problems.push('fields: a sensitive-field finding names at least one field');
  }
  if (report.kind === 'error' && Date.parse(report.firstSeen) > Date.parse(report.lastSeen)) problems.push('lastSeen: is before firstSeen');
  if (report.kind === 'csp' && Date.parse(report.from) > Date.parse(report.until)) problems.push('until: is before from');
  return problems;
}

import { z } from 'zod';
import { describeIssues } from '../../../core/alerts/alert';
import { BodyTooLargeError, readBoundedText } from './bounded-body';
import { BoundedMap } from './bounded-map';
import { forwardToKlaxon, type KlaxonTarget } from './klaxon-forwarder';
import { jsonProblem } from './problem-response';
import { isHostName } from '../../../core/shared/host-name';
import { checkOptions, DIRECTIVE, ROUTE_PATH, type CspReport, type CspViolation } from './wire-format';

/** A browser's report body is small; a batch of Reporting API reports stays well below this. */
export const MAX_CSP_BODY_BYTES = 64 * 1024;
/** Distinct (directive, host, page) kept per window; beyond it the least recently seen is forgotten. */
export const MAX_CSP_ENTRIES = 1000;
/** Violations per report, as Klaxon's source accepts them. */
const VIOLATIONS_PER_REPORT = 100;
const MAX_COUNT = 1_000_000;
const KEYWORDS = new Set(['inline', 'eval', 'data', 'blob', 'self']);

// Browsers add fields of their own over time: those are ignored, the ones read are typed and bounded.
const uri = z.string().max(4096);
const legacyReport = z.object({
  'csp-report': z.object({
    'document-uri': uri,
    'violated-directive': z.string().max(1024).optional(),
    'effective-directive': z.string().max(1024).optional(),
    'blocked-uri': uri.optional(),
  }),
});
const reportingApiReports = z
  .array(
    z.object({
      type: z.string().max(64),
      body: z.unknown().optional(),
    }),
  )
  .max(100);
const reportingApiViolation = z.object({
  documentURL: uri,
  effectiveDirective: z.string().max(1024),
  blockedURL: uri.optional(),
});

interface RawViolation {
  directive?: string;
  blocked?: string;
  document: string;
}

/** `script-src-elem 'self'` → `script-src-elem`; only a directive's name, lower case. */
function directiveName(raw: string | undefined): string | undefined {
  const name = raw?.trim().split(/\s/, 1)[0]?.toLowerCase();
  return name && DIRECTIVE.test(name) ? name : undefined;
}

/** The host a violation blocked, or one of the CSP keywords; undefined for what names neither. */
export function blockedHost(blocked: string | undefined): string | undefined {
  const value = (blocked ?? '').trim().toLowerCase();
  const bare = value.endsWith(':') ? value.slice(0, -1) : value;
  if (KEYWORDS.has(bare)) return bare;
  if (bare === 'wasm-eval') return 'eval';
  if (bare === '') return 'self';
  try {
    const url = new URL(value);
    if (url.protocol === 'data:' || url.protocol === 'blob:') return url.protocol.slice(0, -1);
    // An IPv6 literal or a name with "_" is not a host Klaxon takes: one such would refuse the whole window.
    return isHostName(url.hostname) ? url.hostname : undefined;
  } catch {
    return undefined;
  }
}

function documentPath(document: string): string | undefined {
  try {
    const path = new URL(document).pathname.slice(0, 512);
    return ROUTE_PATH.test(path) ? path : undefined;
  } catch {
    return undefined;
  }
}

/** The violations of one body in either format; throws with a message naming the problem. */
function parseViolations(contentType: string, body: unknown): RawViolation[] {
  if (contentType === 'application/csp-report') {
    const parsed = legacyReport.safeParse(body);
    if (!parsed.success) throw new Error(describeIssues(parsed.error).join('; '));
    const r = parsed.data['csp-report'];
    return [{ directive: r['effective-directive'] ?? r['violated-directive'], blocked: r['blocked-uri'], document: r['document-uri'] }];
  }
  const parsed = reportingApiReports.safeParse(body);
  if (!parsed.success) throw new Error(describeIssues(parsed.error).join('; '));
  const violations: RawViolation[] = [];
  for (const [i, report] of parsed.data.entries()) {
    if (report.type !== 'csp-violation') continue;
    const v = reportingApiViolation.safeParse(report.body);
    if (!v.success) throw new Error(describeIssues(v.error).map((m) => `[${i}].body.${m}`).join('; '));
    violations.push({ directive: v.data.effectiveDirective, blocked: v.data.blockedURL, document: v.data.documentURL });
  }
  return violations;
}

export interface KlaxonCspReportHandlerOptions extends KlaxonTarget {
  app: string;
  release?: string;
  /** Violations are summed over this window and forwarded when a report arrives after it ends (default 60). */
  windowSeconds?: number;
}

/**
 * The app's CSP report route, for `report-uri` (`application/csp-report`) and `report-to`
 * (`application/reports+json`, the Reporting API). Violations are reduced to (directive,
 * blocked host or keyword, page path), summed per window and forwarded as one `csp` report
 * (Klaxon decides which are exfiltration paths). Nothing else of the report is kept: no
 * query strings, samples or policies. Answers 204, or 400/413/415 naming the problem.
 * Without a timer (serverless functions sleep between requests), a window is forwarded by
 * the first report after it ends.
 */
export function klaxonCspReportHandler(options: KlaxonCspReportHandlerOptions): { POST(request: Request): Promise<Response> } {
  checkOptions(options, 'klaxonCspReportHandler');
  const windowMs = (options.windowSeconds ?? 60) * 1000;
  if (!(windowMs >= 0)) throw new Error('klaxonCspReportHandler: windowSeconds must be ≥ 0');
  const pending = new BoundedMap<string, CspViolation>(MAX_CSP_ENTRIES);
  let from: number | undefined;

  async function flush(now: number): Promise<void> {
    const window = { from: new Date(from!).toISOString(), until: new Date(now).toISOString() };
    const violations = pending.drain().map(([, v]) => v);
    from = undefined;
    const reports: CspReport[] = [];
    for (let i = 0; i < violations.length; i += VIOLATIONS_PER_REPORT) {
      reports.push({ kind: 'csp', app: options.app, ...(options.release ? { release: options.release } : {}), violations: violations.slice(i, i + VIOLATIONS_PER_REPORT), ...window });
    }
    await Promise.all(reports.map((report) => forwardToKlaxon(options, report)));
  }

  return {
    async POST(request) {
      const contentType = (request.headers.get('content-type') ?? '').split(';', 1)[0].trim().toLowerCase();
      if (contentType !== 'application/csp-report' && contentType !== 'application/reports+json') {
        return jsonProblem(415, 'expected content-type application/csp-report (report-uri) or application/reports+json (report-to)');
      }
      let violations: RawViolation[];
      try {
        violations = parseViolations(contentType, JSON.parse(await readBoundedText(request, MAX_CSP_BODY_BYTES)));
      } catch (err) {
        if (err instanceof BodyTooLargeError) return jsonProblem(413, err.message);
        return jsonProblem(400, err instanceof SyntaxError ? 'the report is not JSON' : (err as Error).message);
      }
      const now = Date.now();
      for (const raw of violations) {
        const directive = directiveName(raw.directive);
        const host = blockedHost(raw.blocked);
        const path = documentPath(raw.document);
        if (!directive || !host || !path) continue;
        const key = JSON.stringify([directive, host, path]);
        const seen = pending.get(key);
        pending.set(key, { directive, blockedHost: host, documentPath: path, count: Math.min(MAX_COUNT, (seen?.count ?? 0) + 1) });
        from ??= now;
      }
      if (from !== undefined && now - from >= windowMs) await flush(now);
      return new Response(null, { status: 204 });
    },
  };
}

import { z } from 'zod';
import { describeIssues } from '../../../core/alerts/alert';
import { isValidTenant } from '../../../core/alerts/tenant-name';
import { BodyTooLargeError, readBoundedText } from './bounded-body';
import { CLIENT_REPORT_LIMITS } from './client-report';
import { ErrorReporter, type ErrorRateLimit } from './error-reporter';
import type { KlaxonTarget } from './klaxon-forwarder';
import { jsonProblem } from './problem-response';
import { REQUEST_ID_PATTERN } from './request-context';
import { APP_NAME, checkOptions, RELEASE, ROUTE_PATH } from './wire-format';

/** The most a browser report may weigh: what the boundary sends is a few KiB at most. */
export const MAX_REPORT_BYTES = 16 * 1024;

const L = CLIENT_REPORT_LIMITS;
/** Exactly what reportClientError sends (client-report.ts ClientErrorReport); anything else is refused. */
const clientReportSchema = z
  .object({
    surface: z.enum(['client-component', 'server-component']),
    route: z.string().regex(ROUTE_PATH, 'a path starting with "/", at most 512 characters, without query, fragment or spaces'),
    release: z.string().regex(RELEASE, 'visible ASCII, no spaces, 1 to 128').optional(),
    requestId: z.string().regex(REQUEST_ID_PATTERN, 'letters, digits, ".", "_", ":" or "-", at most 128').optional(),
    app: z.string().regex(APP_NAME).optional(),
    error: z
      .object({
        name: z.string().min(1).max(64),
        message: z.string().max(L.message),
        digest: z.string().regex(RELEASE, 'visible ASCII, no spaces, 1 to 128').optional(),
        stack: z.string().max(L.stack).optional(),
      })
      .strict(),
  })
  .strict();

export interface KlaxonReportHandlerOptions extends KlaxonTarget {
  app: string;
  /** Default: the report's own release, as the boundary was given it. */
  release?: string;
  /** The tenant of the page that failed (from the session, say); none by default, as the browser is not trusted to say. */
  resolveTenant?: (request: Request) => string | undefined | Promise<string | undefined>;
  rateLimit?: ErrorRateLimit;
}

/**
 * The app's report route for `<KlaxonErrorBoundary>` and `reportClientError` (e.g.
 * app/api/klaxon/report/route.ts: `export const { POST } = klaxonReportHandler({ app: 'acme-web' })`).
 * Answers 202 once Klaxon has the report, 204 when it could not be delivered (logged here;
 * nothing for the browser to do), 429 while its fingerprint (or the app) is rate-limited
 * (counted, sent with the next forward), 400/413/415 for a body that is not what the boundary
 * sends, and forwards nothing then.
 */
export function klaxonReportHandler(options: KlaxonReportHandlerOptions): { POST(request: Request): Promise<Response> } {
  checkOptions(options, 'klaxonReportHandler');
  const reporter = new ErrorReporter(options.app, options, options.rateLimit);
  // The report goes to Klaxon without a tenant rather than not at all when the app cannot tell it.
  const tenantOf = async (request: Request): Promise<string | undefined> => {
    try {
      const tenant = await options.resolveTenant?.(request);
      return isValidTenant(tenant) ? tenant : undefined;
    } catch {
      return undefined;
    }
  };
  return {
    async POST(request) {
      if (!/^application\/json\b/i.test(request.headers.get('content-type') ?? '')) return jsonProblem(415, 'expected content-type: application/json');
      let text: string;
      try {
        text = await readBoundedText(request, MAX_REPORT_BYTES);
      } catch (err) {
        if (err instanceof BodyTooLargeError) return jsonProblem(413, `the report is larger than ${MAX_REPORT_BYTES} bytes`);
        return jsonProblem(400, 'the report body could not be read');
      }
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        return jsonProblem(400, 'the report is not JSON');
      }
      const parsed = clientReportSchema.safeParse(body);
      if (!parsed.success) return jsonProblem(400, describeIssues(parsed.error).join('; '));
      const report = parsed.data;
      if (report.app !== undefined && report.app !== options.app) return jsonProblem(400, `app: this route reports for "${options.app}"`);
      const tenant = await tenantOf(request);
      const outcome = await reporter.report({
        surface: report.surface,
        route: report.route,
        tenant,
        requestId: report.requestId,
        release: options.release ?? report.release,
        error: report.error,
      });
      if (outcome === 'rate-limited') return jsonProblem(429, 'too many reports of this error; it was counted', { 'retry-after': '60' });
      return new Response(null, { status: outcome === 'forwarded' ? 202 : 204 });
    },
  };
}

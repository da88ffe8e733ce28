// Browser-safe: the client entry bundles this module (and Klaxon's redaction with it).
import { redact } from '../../../core/shared/redaction';

/** Where a browser can see an error happen: its own components, or a server component's error passed down by Next. */
export type BrowserSurface = 'client-component' | 'server-component';

/** Exactly what the browser sends to the app's report route; nothing else (no props, state or form values). */
export interface ClientErrorReport {
  surface: BrowserSurface;
  route: string;
  release?: string;
  requestId?: string;
  app?: string;
  error: { name: string; message: string; digest?: string; stack?: string };
}

/** Bounds shared with the report handler's schema (report-schema.ts), so what is sent is accepted. */
export const CLIENT_REPORT_LIMITS = { name: 64, message: 1024, digest: 128, stack: 8192, route: 512, release: 128, requestId: 128 } as const;

const ERROR_NAME = /^[A-Za-z_$][A-Za-z0-9_$.]{0,63}$/;
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Query strings and fragments out of every URL of a stack (`app.js?v=1:10:5` → `app.js:10:5`):
 * they carry tokens, e-mails and search terms. Linear: each match takes its run once, and the
 * position it keeps (`:line:column`) is found by one scan back from the run's end.
 */
export function stripQueries(stack: string): string {
  return stack.replace(/[?#][^\s()]*/g, (query) => query.slice(positionSuffixStart(query)));
}

/** Where a trailing `:<digits>` or `:<digits>:<digits>` starts in `text` (its length when there is none). */
function positionSuffixStart(text: string): number {
  let start = text.length;
  for (let parts = 0, i = text.length - 1; parts < 2; parts += 1) {
    let digits = i;
    while (digits >= 0 && text.charCodeAt(digits) >= 48 && text.charCodeAt(digits) <= 57) digits -= 1;
    if (digits === i || digits < 0 || text[digits] !== ':') break;
    start = digits;
    i = digits - 1;
  }
  return start;
}

/**
 * The report of one caught error, built from the error and the page only. A thrown value that
 * is not an Error (a string, an object with props in it) is not described: its content could
 * be anything the component held.
 */
export function buildClientReport(
  error: unknown,
  options: { surface?: BrowserSurface; release?: string; app?: string },
  page: { pathname: string; requestId?: string | null },
): ClientErrorReport {
  const isError = error instanceof Error;
  const name = isError && ERROR_NAME.test(error.name) ? error.name : 'Error';
  const message = isError ? redact(error.message).slice(0, CLIENT_REPORT_LIMITS.message) : 'A value that is not an Error was thrown';
  const digest = isError ? (error as Error & { digest?: unknown }).digest : undefined;
  const stack = isError && typeof error.stack === 'string' ? redact(stripQueries(error.stack)).slice(0, CLIENT_REPORT_LIMITS.stack) : undefined;
  return {
    // Next gives errors that happened on the server (and reach error.tsx) a digest; the browser's own have none.
    surface: options.surface ?? (typeof digest === 'string' ? 'server-component' : 'client-component'),
    route: page.pathname.slice(0, CLIENT_REPORT_LIMITS.route) || '/',
    ...(options.release ? { release: options.release.slice(0, CLIENT_REPORT_LIMITS.release) } : {}),
    ...(page.requestId && REQUEST_ID.test(page.requestId) ? { requestId: page.requestId } : {}),
    ...(options.app ? { app: options.app } : {}),
    error: {
      name,
      message,
      ...(typeof digest === 'string' && digest.length <= CLIENT_REPORT_LIMITS.digest ? { digest } : {}),
      ...(stack ? { stack } : {}),
    },
  };
}

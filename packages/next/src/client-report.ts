// Browser-safe: the client entry bundles this module (and Klaxon's redaction with it).
import { sanitiseText } from '../../../core/shared/free-text';
import { redact } from '../../../core/shared/redaction';
import { REQUEST_ID_PATTERN } from './request-context';
import { ERROR_NAME, RELEASE } from './wire-format';

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

/** Bounds shared with the report handler's schema (report-handler.ts), so what is sent is accepted. */
export const CLIENT_REPORT_LIMITS = { message: 1024, stack: 8192, route: 512 } as const;


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
  const travelling = error instanceof Error ? travellingError(error) : { name: 'Error', message: 'A value that is not an Error was thrown' };
  return {
    // Next gives errors that happened on the server (and reach error.tsx) a digest; the browser's own have none.
    surface: options.surface ?? (travelling.digest ? 'server-component' : 'client-component'),
    route: page.pathname.slice(0, CLIENT_REPORT_LIMITS.route) || '/',
    ...(options.release && RELEASE.test(options.release) ? { release: options.release } : {}),
    ...(page.requestId && REQUEST_ID_PATTERN.test(page.requestId) ? { requestId: page.requestId } : {}),
    ...(options.app ? { app: options.app } : {}),
    error: travelling,
  };
}

/**
 * An error's fields as they may leave the place they were caught (the browser, then the app's
 * server again, which trusts no browser): a name by the wire format's rule, message and stack
 * redacted with Klaxon's rules, the stack without query strings, each bounded, and what is not
 * text (control characters, a surrogate pair cut by the bound) replaced.
 */
export function travellingError(error: { name: string; message: string; digest?: unknown; stack?: unknown }): ClientErrorReport['error'] {
  const stack = typeof error.stack === 'string' && error.stack !== '' ? sanitiseText(redact(stripQueries(error.stack)).slice(0, CLIENT_REPORT_LIMITS.stack)) : undefined;
  return {
    name: ERROR_NAME.test(error.name) ? error.name : 'Error',
    message: sanitiseText(redact(error.message).slice(0, CLIENT_REPORT_LIMITS.message)),
    ...(typeof error.digest === 'string' && RELEASE.test(error.digest) ? { digest: error.digest } : {}),
    ...(stack ? { stack } : {}),
  };
}

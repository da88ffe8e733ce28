import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { ConsoleAssets } from './console-assets';
import { csrfTokenOf, hasExpired, refuseOtherSites, sameSecret, SESSION_COOKIE, sessionSecretOf, type Credentials } from './authorization';
import { CONSOLE_HEADERS, htmlAnswer, problemPage, shellPage, signInPage } from './console-pages';
import { header, HttpError, readBody, requireContentType, TextBody } from './http';

/** What the console's own routes need: where sign-ins are checked (absent without a ledger database), and its built assets. */
export interface ConsoleDeps {
  credentials?: Credentials;
  assets: () => Promise<ConsoleAssets>;
  /** Klaxon is reached over https (KLAXON_PUBLIC_URL): the cookie is always Secure. */
  secureCookies?: boolean;
}

type Answer = { status: number; body: unknown };

/** The console's pages; anything else under /console is a page that is not there. */
const PAGES = [/^\/console\/?$/, /^\/console\/(?:compliance|drills|reviews|oncall|maintenance)$/, /^\/console\/incidents\/[^/]+$/];
/** A page to return to after sign-in, as sent back in a Location header: one of PAGES, its id percent-encoded. */
const RETURN_PATH = /^\/console(?:\/compliance|\/drills|\/reviews|\/oncall|\/maintenance|\/incidents\/[A-Za-z0-9%._~:-]{1,300})?$/;

/** A sign-in form is one token and a page to return to: a few hundred bytes. */
const MAX_FORM_BYTES = 4096;

const NO_LEDGER = 'The console signs in with personal API tokens, which are kept in the ledger database, and none is configured (DATABASE_URL).';

/**
 * Refusals on console routes are pages, not JSON: a person reads them in a browser. The
 * status is the refusal's; nothing was recorded.
 */
async function asPage(work: () => Promise<Answer>): Promise<Answer> {
  try {
    return await work();
  } catch (err) {
    if (!(err instanceof HttpError)) throw err;
    return htmlAnswer(err.status, problemPage(err.status === 403 ? 'Refused' : 'That did not work', err.message));
  }
}

/**
 * Behind TLS (KLAXON_PUBLIC_URL is https, the connection is TLS, or a proxy says so) the cookie
 * is only ever sent back over TLS. A client that claims https over plain http only loses its
 * own cookie.
 */
const overTls = (req: IncomingMessage, deps: ConsoleDeps): boolean => Boolean(deps.secureCookies) || Boolean((req.socket as TLSSocket).encrypted) || header(req, 'x-forwarded-proto') === 'https';

function sessionCookie(req: IncomingMessage, deps: ConsoleDeps, value: string, maxAgeSeconds: number): string {
  return `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${overTls(req, deps) ? '; Secure' : ''}`;
}

/** A console page to return to after signing in: one of ours, as a path that a Location header can carry, never another site. */
function returnPath(raw: string | null | undefined): string | undefined {
  return raw && RETURN_PATH.test(raw) ? raw : undefined;
}

const seeOther = (location: string, headers: Record<string, string> = {}): Answer => ({ status: 303, body: new TextBody('', 'text/plain; charset=utf-8', { ...CONSOLE_HEADERS, location, ...headers }) });

/** `GET /console…`: the signed-in shell, or the sign-in form (401 when a session was sent and has ended). */
export function consolePage(req: IncomingMessage, deps: ConsoleDeps, path: string): Promise<Answer> {
  return asPage(async () => {
    if (!deps.credentials) return htmlAnswer(503, problemPage('The console is not available', NO_LEDGER));
    const secret = sessionSecretOf(req);
    const session = secret ? await deps.credentials.sessions.find(secret) : undefined;
    const live = session && !session.token.revokedAt && !hasExpired(session.token);
    if (!live) {
      const next = returnPath(path);
      const form = signInPage({ ...(secret ? { message: 'Your console session has ended or expired. Sign in again.' } : {}), ...(next && next !== '/console' ? { next } : {}) });
      return htmlAnswer(secret ? 401 : 200, form, secret ? { 'set-cookie': sessionCookie(req, deps, '', 0) } : {});
    }
    if (path === '/console/sign-in') return seeOther('/console');
    if (!PAGES.some((p) => p.test(path))) return htmlAnswer(404, problemPage('Page not found', `The console has no page at ${path}.`));
    return htmlAnswer(200, shellPage(csrfTokenOf(secret!)));
  });
}

/** `GET /console/assets/console.js|console.css`: public (no data in them), revalidated by ETag. */
export async function consoleAsset(req: IncomingMessage, deps: ConsoleDeps, name: string): Promise<Answer> {
  const assets = await deps.assets();
  const headers = { ...CONSOLE_HEADERS, etag: assets.etag, 'cache-control': 'no-cache' };
  if (header(req, 'if-none-match') === assets.etag) return { status: 304, body: new TextBody('', 'text/plain', headers) };
  return name === 'console.js'
    ? { status: 200, body: new TextBody(assets.script, 'text/javascript; charset=utf-8', headers) }
    : { status: 200, body: new TextBody(assets.stylesheet, 'text/css; charset=utf-8', headers) };
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  requireContentType(req, 'application/x-www-form-urlencoded');
  return new URLSearchParams((await readBody(req, MAX_FORM_BYTES)).toString('utf8'));
}

/**
 * `POST /console/sign-in` (form: `token`, `next`): a live token starts a session kept in an
 * HttpOnly, SameSite=Strict cookie for at most CONSOLE_SESSION_HOURS, never past the token's
 * own expiry. A refusal shows the form again with the reason, 401, and starts nothing.
 */
export function signIn(req: IncomingMessage, deps: ConsoleDeps): Promise<Answer> {
  return asPage(async () => {
    if (!deps.credentials) return htmlAnswer(503, problemPage('The console is not available', NO_LEDGER));
    refuseOtherSites(req);
    const form = await readForm(req);
    const next = returnPath(form.get('next'));
    const again = (status: number, message: string) => htmlAnswer(status, signInPage({ message, ...(next ? { next } : {}) }));
    const secret = (form.get('token') ?? '').trim();
    if (!secret) return again(400, 'Enter your personal API token.');
    if (secret.length > 256) return again(401, 'That token is unknown or revoked.');
    const token = await deps.credentials.tokens.find(secret);
    if (!token) return again(401, 'That token is unknown or revoked.');
    if (hasExpired(token)) return again(401, `Token "${token.name}" expired at ${token.expiresAt}.`);
    // Signing in again replaces the session the browser held: the old one ends, not left live without its cookie.
    const previous = sessionSecretOf(req);
    if (previous) await deps.credentials.sessions.end(previous);
    const session = await deps.credentials.sessions.start(token);
    const maxAge = Math.max(1, Math.floor((session.expiresAt.getTime() - Date.now()) / 1000));
    return seeOther(next ?? '/console', { 'set-cookie': sessionCookie(req, deps, session.secret, maxAge) });
  });
}

/** `POST /console/sign-out` (form: `csrf`): ends the session for good and clears the cookie. */
export function signOut(req: IncomingMessage, deps: ConsoleDeps): Promise<Answer> {
  return asPage(async () => {
    refuseOtherSites(req);
    const secret = sessionSecretOf(req);
    const form = await readForm(req);
    if (secret && deps.credentials) {
      if (!sameSecret(form.get('csrf') ?? undefined, csrfTokenOf(secret))) throw new HttpError(403, "The sign-out form's CSRF token is missing or wrong: reload the page and sign out again.");
      await deps.credentials.sessions.end(secret);
    }
    return seeOther('/console', { 'set-cookie': sessionCookie(req, deps, '', 0) });
  });
}

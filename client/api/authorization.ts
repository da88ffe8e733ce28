import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isIncidentOf } from '../../core/incident/incident-id';
import { isDrillOf } from '../../core/drills/drill';
import type { ApiToken, ApiTokens, Scope } from '../../ledger/api-tokens';
import type { ConsoleSessions } from '../../ledger/console-sessions';
import type { IncidentFilter } from '../incident-filter';
import { header, HttpError } from './http';

/** Where the tokens and console sign-ins are kept (the ledger database). */
export interface Credentials {
  tokens: ApiTokens;
  sessions: ConsoleSessions;
}

/** The web console's sign-in cookie: a random secret naming a session (ledger/console-sessions.ts). */
export const SESSION_COOKIE = 'klaxon_session';
/** The header the console's writes carry, equal to its session's CSRF token. */
export const CSRF_HEADER = 'x-klaxon-csrf';

/**
 * A session's CSRF token, derived from its secret: the page gets it, a page of another site
 * cannot (it can neither read the cookie nor our pages), and the server needs to keep nothing.
 */
export const csrfTokenOf = (sessionSecret: string): string => createHash('sha256').update(`klaxon-console-csrf:${sessionSecret}`).digest('base64url');

/** Compared in constant time: the CSRF token is a secret of its session. */
export function sameSecret(given: string | undefined, expected: string): boolean {
  const [a, b] = [Buffer.from(given ?? ''), Buffer.from(expected)];
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The session secret of the request's cookie, if it carries one (a cookie header is at most 16 KB, Node's header limit). */
export function sessionSecretOf(req: IncomingMessage): string | undefined {
  for (const part of (header(req, 'cookie') ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === SESSION_COOKIE) return part.slice(eq + 1).trim() || undefined;
  }
  return undefined;
}

/**
 * A request a page of another site made, even a sibling subdomain's, is refused whatever it
 * carries: browsers say where a request comes from (`Sec-Fetch-Site`), and older ones at least
 * send `Origin` on a form or script request, which must then name this host (as the browser
 * reached it: `X-Forwarded-Host` behind a proxy). Neither header (a script, the CLI) or `none`
 * (typed in the address bar) passes: the cookie's SameSite=Strict and the CSRF token still stand.
 */
export function refuseOtherSites(req: IncomingMessage): void {
  const site = header(req, 'sec-fetch-site');
  if (site === 'cross-site' || site === 'same-site') throw new HttpError(403, 'a request from another site is refused: use the console at this address');
  const origin = header(req, 'origin');
  if (site === undefined && origin !== undefined && hostOf(origin) !== (header(req, 'x-forwarded-host') ?? header(req, 'host'))) {
    throw new HttpError(403, 'a request from another origin is refused: use the console at this address');
  }
}

const hostOf = (origin: string): string | undefined => {
  try {
    return new URL(origin).host;
  } catch {
    return undefined;
  }
};

const READS = new Set(['GET', 'HEAD']);
const BEARER = /^Bearer (\S+)$/i;

/** Whether the request presents a credential at all: a bearer header or a console session cookie. */
export const presentsCredentials = (req: IncomingMessage): boolean => BEARER.test(header(req, 'authorization') ?? '') || sessionSecretOf(req) !== undefined;

/**
 * The live, unexpired token of the request: its `Authorization: Bearer` header, or else the
 * console session its cookie names (an Authorization header of another scheme, which a proxy's
 * own sign-in may add, does not hide the cookie). A session is taken from this site only, and
 * its writes must carry the session's CSRF token. 401 otherwise, saying why; nothing is
 * recorded for a refused request.
 */
export async function liveToken(req: IncomingMessage, credentials: Credentials, details: Record<string, unknown> = {}): Promise<ApiToken> {
  const bearer = BEARER.exec(header(req, 'authorization') ?? '')?.[1];
  const sessionSecret = bearer === undefined ? sessionSecretOf(req) : undefined;
  const token = sessionSecret ? await sessionToken(req, credentials.sessions, sessionSecret) : await bearerToken(bearer, credentials.tokens, details);
  if (hasExpired(token)) throw new HttpError(401, `token "${token.name}" expired at ${token.expiresAt}`);
  return token;
}

/** A token past its expiry is refused everywhere: the API, the console's sign-in and its sessions. */
export const hasExpired = (token: ApiToken): boolean => token.expiresAt !== undefined && Date.parse(token.expiresAt) <= Date.now();

async function bearerToken(secret: string | undefined, tokens: ApiTokens, details: Record<string, unknown>): Promise<ApiToken> {
  if (!secret) throw new HttpError(401, 'an Authorization: Bearer <token> header is required', details);
  const token = await tokens.find(secret);
  if (!token) throw new HttpError(401, 'the bearer token is unknown or revoked');
  return token;
}

/**
 * Reads from another site are refused too, not only writes: a sibling subdomain's page could
 * otherwise make the browser read evidence under the signed-in person's name, and that read
 * would be recorded as theirs.
 */
async function sessionToken(req: IncomingMessage, sessions: ConsoleSessions, secret: string): Promise<ApiToken> {
  refuseOtherSites(req);
  const session = await sessions.find(secret);
  if (!session) throw new HttpError(401, 'the console session has ended or expired: sign in again');
  if (!READS.has(req.method ?? '') && !sameSecret(header(req, CSRF_HEADER), csrfTokenOf(secret))) throw new HttpError(403, "the console's CSRF token is missing or wrong: reload the page");
  if (session.token.revokedAt) throw new HttpError(401, `token "${session.token.name}" was revoked: the console session has ended`);
  return session.token;
}

/** The request's token with the scope it needs: 401 without a live token, 403 when its scopes do not include `scope`. Tokens are compared by SHA-256 only. */
export async function authorize(req: IncomingMessage, credentials: Credentials, scope: Scope): Promise<ApiToken> {
  const token = await liveToken(req, credentials, { scope });
  if (!token.scopes.includes(scope)) throw new HttpError(403, `token "${token.name}" lacks the ${scope} scope`);
  return token;
}

/**
 * A token bound to tenants meets another tenant's incident (or drill) as one that does not
 * exist: the same 404 and words as the route gives for an unknown id, so it cannot even learn that.
 */
export function hideOtherTenants(token: ApiToken, incidentId: string, notFound = `incident ${incidentId} was not found`): void {
  if (token.tenants && !isIncidentOf(incidentId, token.tenants) && !isDrillOf(incidentId, token.tenants)) throw new HttpError(404, notFound);
}

/** Narrows a filter to the tenants a token is bound to. */
export const withinTenants = (token: ApiToken, filter: IncidentFilter): IncidentFilter => (token.tenants ? { ...filter, tenants: token.tenants } : filter);

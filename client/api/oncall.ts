import type { IncomingMessage } from 'node:http';
import { IANAZone } from 'luxon';
import { kindOf, OverrideInputError, scheduleOf, instantIn } from '../../core/oncall/override-input';
import type { PolicyBook } from '../../core/policy/routing';
import { textProblem } from '../../core/shared/free-text';
import type { ApiToken } from '../../ledger/api-tokens';
import { FEED_WEEKS, scheduleFeed } from '../oncall-feed';
import { OnCall, type OnCallCaller } from '../oncall';
import { authorize, presentsCredentials } from './authorization';
import type { ComplianceDeps } from './compliance';
import { HttpError, parseRequestJson, readBody, requireContentType, TextBody } from './http';

/**
 * The on-call routes: who is on call (`GET /v1/oncall`), run-time overrides and swaps
 * (`/v1/oncall/overrides`), feed capabilities (`POST /v1/oncall/feeds`) and the iCalendar feeds
 * (`GET /v1/schedules/:name.ics`). Reads take incidents:read, changes incidents:write (the token's
 * responder is who took it). A token bound to tenants sees only the policies they are routed to.
 */
type Answer = Promise<{ status: number; body: unknown }>;

/** An override's body is a few short fields and a reason of at most 500 characters. */
const MAX_OVERRIDE_BODY_BYTES = 8 * 1024;
const QUERY_FIELDS = ['policy', 'schedule', 'at', 'tz', 'responder', 'weeks', 'feed'] as const;

/** Query parameters, each one-line and short; an unknown one is refused (a typo would otherwise widen the answer). */
function query(req: IncomingMessage, allowed: ReadonlyArray<(typeof QUERY_FIELDS)[number]>): Partial<Record<(typeof QUERY_FIELDS)[number], string>> {
  const params = new URL(req.url ?? '/', 'http://x').searchParams;
  const out: Partial<Record<(typeof QUERY_FIELDS)[number], string>> = {};
  for (const [k, v] of params) {
    if (!(allowed as readonly string[]).includes(k)) throw new HttpError(400, `unknown query parameter "${k.slice(0, 40)}" (${allowed.join(', ')})`);
    const problem = textProblem(v, { max: 100, oneLine: true });
    if (problem) throw new HttpError(400, `${k} ${problem}`);
    out[k as (typeof QUERY_FIELDS)[number]] = v;
  }
  return out;
}

const refusing = async <T>(work: () => Promise<T> | T): Promise<T> => {
  try {
    return await work();
  } catch (err) {
    if (err instanceof OverrideInputError) throw new HttpError(err.status, err.message);
    throw err;
  }
};

const callerOf = (token: ApiToken): OnCallCaller => ({
  actor: token.responder ? { type: 'responder', name: token.responder, via: 'api' } : { type: 'token', name: token.name, via: 'api' },
  ...(token.tenants ? { tenants: token.tenants } : {}),
});

function zoneOf(tz: string | undefined): string {
  const zone = tz ?? 'UTC';
  if (!IANAZone.isValidZone(zone)) throw new HttpError(400, `tz "${zone}" is not an IANA time zone (e.g. Europe/Berlin)`);
  return zone;
}

/** `GET /v1/oncall?schedule=&policy=&at=&tz=`: per schedule, who is on call at `at` (default now) and the next shifts, times in `tz` (default UTC). */
export async function whoIsOnCallRoute(req: IncomingMessage, deps: ComplianceDeps, book: PolicyBook, now: Date): Answer {
  const token = await authorize(req, deps, 'incidents:read');
  const q = query(req, ['policy', 'schedule', 'at', 'tz']);
  const zone = zoneOf(q.tz);
  const at = q.at === undefined ? now : new Date(await refusing(() => instantIn(q.at!, 'at', zone)));
  const schedules = await refusing(() => new OnCall(deps.ledger.db, deps.ledger).whoIsOnCall(book, callerOf(token), { ...pick(q), at, zone }));
  return { status: 200, body: { at: at.toISOString(), zone, schedules } };
}

const pick = (q: { policy?: string; schedule?: string }) => ({ ...(q.policy !== undefined ? { policy: q.policy } : {}), ...(q.schedule !== undefined ? { schedule: q.schedule } : {}) });

/** `GET /v1/oncall/overrides?policy=&schedule=`: the live run-time overrides (not ended, not cancelled). */
export async function listOverridesRoute(req: IncomingMessage, deps: ComplianceDeps, book: PolicyBook, now: Date): Answer {
  const token = await authorize(req, deps, 'incidents:read');
  const q = query(req, ['policy', 'schedule']);
  const overrides = await refusing(() => new OnCall(deps.ledger.db, deps.ledger).list(book, callerOf(token), pick(q), now));
  return { status: 200, body: { overrides } };
}

/** A JSON object body (an empty body is `{}`); null, an array or a bare value is a 400 saying so, never a 500 further on. */
async function jsonBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  requireContentType(req, 'application/json');
  const raw = (await readBody(req, MAX_OVERRIDE_BODY_BYTES)).toString('utf8');
  const body = raw.trim() ? parseRequestJson(raw) : {};
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new HttpError(400, `the body must be a JSON object, not ${kindOf(body)}`);
  return body as Record<string, unknown>;
}

/** `POST /v1/oncall/overrides`: an override, or a swap (`kind: "swap"`, see core/oncall/override-input.ts); 201 with what was stored. */
export async function takeOverrideRoute(req: IncomingMessage, deps: ComplianceDeps, book: PolicyBook, now: Date): Answer {
  const token = await authorize(req, deps, 'incidents:write');
  const body = await jsonBody(req);
  const overrides = await refusing(() => new OnCall(deps.ledger.db, deps.ledger).take(body, book, callerOf(token), now));
  return { status: 201, body: { overrides } };
}

/** `POST /v1/oncall/overrides/:id/cancel`. */
export async function cancelOverrideRoute(req: IncomingMessage, deps: ComplianceDeps, book: PolicyBook, id: string, now: Date): Answer {
  const token = await authorize(req, deps, 'incidents:write');
  req.resume();
  // 404: no such override (that the token may see); 409: cancelled or ended already.
  const cancelled = await refusing(() => new OnCall(deps.ledger.db, deps.ledger).cancel(id, book, callerOf(token), now));
  return { status: 200, body: { override: cancelled } };
}

/**
 * `POST /v1/oncall/feeds` `{ schedule, policy?, responder? }`: mints a feed capability for one
 * schedule (or one person on it) and answers the feed's path with its secret. Any reader may
 * mint one: it reads less than the token that minted it.
 */
export async function mintFeedRoute(req: IncomingMessage, deps: ComplianceDeps, book: PolicyBook, now: Date): Answer {
  const token = await authorize(req, deps, 'incidents:read');
  const body = await jsonBody(req);
  for (const k of Object.keys(body)) if (!['schedule', 'policy', 'responder'].includes(k)) throw new HttpError(400, `unknown field "${k.slice(0, 40)}" (schedule, policy, responder)`);
  const text = (k: string): string | undefined => {
    const v = body[k];
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || textProblem(v, { max: 64, oneLine: true }) || !v) throw new HttpError(400, `${k} must be a name of at most 64 characters on one line`);
    return v;
  };
  const scheduleName = text('schedule');
  if (scheduleName === undefined) throw new HttpError(400, 'schedule is required');
  const q = { schedule: scheduleName, ...(text('policy') !== undefined ? { policy: text('policy')! } : {}), ...(text('responder') !== undefined ? { responder: text('responder')! } : {}) };
  const { feed, path } = await refusing(() => new OnCall(deps.ledger.db, deps.ledger).mintFeed(book, callerOf(token), q, now));
  return { status: 201, body: { feed, path } };
}

/** `POST /v1/oncall/feeds/:id/revoke` (incidents:write): the link stops opening its feed. */
export async function revokeFeedRoute(req: IncomingMessage, deps: ComplianceDeps, book: PolicyBook, id: string, now: Date): Answer {
  const token = await authorize(req, deps, 'incidents:write');
  req.resume();
  if (!(await new OnCall(deps.ledger.db, deps.ledger).revokeFeed(id, book, callerOf(token), now))) throw new HttpError(404, `no live feed "${id.slice(0, 40)}"`);
  return { status: 200, body: { revoked: id } };
}

/**
 * `GET /v1/schedules/:name.ics?policy=&responder=&weeks=&feed=`: the schedule's shifts as
 * iCalendar. Opened by a feed secret (`feed=`, the schedule and person it was minted for only)
 * or by an incidents:read bearer token.
 */
export async function scheduleFeedRoute(req: IncomingMessage, deps: ComplianceDeps, book: PolicyBook, name: string, now: Date): Answer {
  const q = query(req, ['policy', 'responder', 'weeks', 'feed']);
  let visible: PolicyBook;
  let bound: { policy: string; schedule: string; responder?: string } | undefined;
  if (q.feed !== undefined && !presentsCredentials(req)) {
    const feed = await new OnCall(deps.ledger.db, deps.ledger).feeds.find(q.feed);
    // One answer for every refusal: a feed secret must not tell which schedules exist.
    if (!feed || feed.schedule !== name || (q.policy !== undefined && q.policy !== feed.policy) || (q.responder ?? feed.responder) !== feed.responder) {
      throw new HttpError(401, 'the feed link is unknown, revoked, or for another schedule');
    }
    visible = { ...book, policies: book.policies.filter((p) => p.name === feed.policy) };
    bound = feed;
  } else {
    visible = OnCall.visible(book, callerOf(await authorize(req, deps, 'incidents:read')));
  }
  // Digits only: Number() would take "1e1", " 2", "0x3" and "2.0" as weeks.
  const weeks = q.weeks === undefined ? FEED_WEEKS.default : /^[0-9]{1,2}$/.test(q.weeks) ? Number(q.weeks) : NaN;
  if (!(Number.isInteger(weeks) && weeks >= 1 && weeks <= FEED_WEEKS.most)) throw new HttpError(400, `weeks must be a whole number from 1 to ${FEED_WEEKS.most}`);
  const { policy, schedule } = await refusing(() => scheduleOf(visible, name, bound?.policy ?? q.policy));
  const responder = bound?.responder ?? q.responder;
  if (responder !== undefined && !policy.responders.some((r) => r.name === responder)) throw new HttpError(404, `responder "${responder}" is not a responder of policy "${policy.name}"`);
  const overrides = await new OnCall(deps.ledger.db, deps.ledger).overrides.list({ policy: policy.name, schedule: schedule.name, after: now });
  const text = scheduleFeed(policy, schedule.name, overrides, { from: now.getTime(), weeks, ...(responder !== undefined ? { responder } : {}) });
  return { status: 200, body: new TextBody(text, 'text/calendar; charset=utf-8') };
}

/** The routes above, as the server's table takes them. */
export function onCallRoutes(compliance: () => ComplianceDeps, book: () => PolicyBook, now: () => Date) {
  return [
    { method: 'GET', pattern: /^\/v1\/oncall$/, handle: async (req: IncomingMessage) => whoIsOnCallRoute(req, compliance(), book(), now()) },
    { method: 'GET', pattern: /^\/v1\/oncall\/overrides$/, handle: async (req: IncomingMessage) => listOverridesRoute(req, compliance(), book(), now()) },
    { method: 'POST', pattern: /^\/v1\/oncall\/overrides$/, handle: async (req: IncomingMessage) => takeOverrideRoute(req, compliance(), book(), now()) },
    { method: 'POST', pattern: /^\/v1\/oncall\/overrides\/([^/]+)\/cancel$/, handle: async (req: IncomingMessage, [id]: string[]) => cancelOverrideRoute(req, compliance(), book(), id, now()) },
    { method: 'POST', pattern: /^\/v1\/oncall\/feeds$/, handle: async (req: IncomingMessage) => mintFeedRoute(req, compliance(), book(), now()) },
    { method: 'POST', pattern: /^\/v1\/oncall\/feeds\/([^/]+)\/revoke$/, handle: async (req: IncomingMessage, [id]: string[]) => revokeFeedRoute(req, compliance(), book(), id, now()) },
    { method: 'GET', pattern: /^\/v1\/schedules\/([^/]+)\.ics$/, handle: async (req: IncomingMessage, [name]: string[]) => scheduleFeedRoute(req, compliance(), book(), name, now()) },
  ];
}

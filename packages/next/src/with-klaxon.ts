import { after } from 'next/server';
import { isValidTenant } from '../../../core/alerts/tenant-name';
import type { AuditStore, DataAccessRecord } from './audit-store';
import { BodyTooLargeError, readBoundedText } from './bounded-body';
import { findingsOf, inspectBody, type Finding, type GuardOptions, type Inspection } from './data-guard';
import { ErrorReporter } from './error-reporter';
import { forwardToKlaxon, type KlaxonTarget } from './klaxon-forwarder';
import { REQUEST_ID_HEADER, REQUEST_ID_PATTERN, requestIdOf } from './request-context';
import { checkOptions, FIELD_NAME, type DataGuardReport, type ErrorSurface } from './wire-format';

export interface Actor {
  id: string;
  tenant: string;
}

interface CommonOptions extends KlaxonTarget {
  app: string;
  release?: string;
  /** Where each access is recorded (createAuditStore); none: no audit trail. */
  audit?: AuditStore;
  guard?: GuardOptions;
}

export interface WithKlaxonOptions extends CommonOptions {
  /** The route as Klaxon groups it, e.g. "/api/users/[id]"; default the request's path. */
  route?: string;
  actor(request: Request): Actor | Promise<Actor>;
}

export interface WithKlaxonActionOptions extends CommonOptions {
  /** A name for the action, as a path: "/settings/invite". */
  route: string;
  /** The caller (from the session: cookies() / headers()). */
  actor(): Actor | Promise<Actor>;
}

/** The largest response body the guard reads; a larger one passes uncounted (and is logged). */
export const MAX_GUARDED_BYTES = 32 * 1024 * 1024;
/** The answer instead of a blocked response: says nothing of why (the request id lets support find it). */
export const BLOCKED_STATUS = 502;

/** The wire format counts records up to ten million. */
const MAX_REPORTED_RECORDS = 10_000_000;

const log = (message: string) => console.error(`@klaxon/next: ${message}`);

/** Runs the guard on a result, reports findings, and records the access: shared by route handlers and actions. */
class DataAccessWatch {
  private readonly errors: ErrorReporter;

  constructor(private readonly options: CommonOptions & { route?: string }) {
    checkOptions(options, 'withKlaxon');
    const oddField = options.guard?.sensitiveFields?.find((field) => !FIELD_NAME.test(field));
    if (oddField !== undefined) throw new Error(`withKlaxon: sensitive field "${oddField.slice(0, 40)}" must be 1 to 128 letters, digits, "_", ".", "$" or "-"`);
    this.errors = new ErrorReporter(options.app, options);
  }

  /** Findings reported to Klaxon (each its own report: Klaxon opens one incident per finding and route). */
  async report(findings: Finding[], inspection: Inspection, ctx: { actor: Actor; route: string; requestId: string; action: 'blocked' | 'reported' }): Promise<void> {
    if (!isValidTenant(ctx.actor.tenant)) {
      log(`the guard found ${findings.join(' and ')} on ${ctx.route} but cannot report it: the actor's tenant is not a tenant name`);
      return;
    }
    await Promise.all(
      findings.map((finding) => {
        const report: DataGuardReport = {
          kind: 'data-guard',
          app: this.options.app,
          tenant: ctx.actor.tenant,
          route: ctx.route,
          requestId: ctx.requestId,
          ...(this.options.release ? { release: this.options.release } : {}),
          finding,
          ...(finding === 'cross-tenant' ? { otherTenants: inspection.otherTenants } : { fields: inspection.fields }),
          records: Math.min(inspection.records, MAX_REPORTED_RECORDS),
          action: ctx.action,
          at: new Date().toISOString(),
        };
        return forwardToKlaxon(this.options, report);
      }),
    );
  }

  async reportError(err: unknown, surface: ErrorSurface, ctx: { actor?: Actor; route: string; requestId: string }): Promise<void> {
    const error = err instanceof Error ? err : new Error('A value that is not an Error was thrown');
    await this.errors.report({
      surface,
      route: ctx.route,
      tenant: isValidTenant(ctx.actor?.tenant) ? ctx.actor.tenant : undefined,
      requestId: ctx.requestId,
      release: this.options.release,
      error: { name: error.name, message: error.message, digest: (error as { digest?: string }).digest, stack: error.stack },
    });
  }

  /** Never fails the request: a lost audit record is logged (names only), the answer still goes out. */
  async audit(entry: Omit<DataAccessRecord, 'app'>): Promise<void> {
    if (!this.options.audit) return;
    try {
      await this.options.audit.record({ app: this.options.app, ...entry });
    } catch (err) {
      log(`an audit record of ${entry.method} ${entry.route} (request ${entry.requestId}) could not be written: ${(err as Error).message}`);
    }
  }

  /** What the guard's findings mean for this call: undefined when nothing was found. */
  verdict(findings: Finding[]): 'blocked' | 'reported' | undefined {
    if (findings.length === 0) return undefined;
    return this.options.guard?.onViolation === 'block' ? 'blocked' : 'reported';
  }

  /** Tells Klaxon what was found (if anything) and records the access, together. */
  async settle(entry: Omit<DataAccessRecord, 'app' | 'status' | 'records' | 'findings' | 'action'>, actor: Actor, status: number, inspection: Inspection | undefined): Promise<void> {
    const findings = inspection ? findingsOf(inspection) : [];
    const action = this.verdict(findings);
    await Promise.all([
      action && inspection ? this.report(findings, inspection, { actor, route: entry.route, requestId: entry.requestId, action }) : undefined,
      this.audit({ ...entry, status, records: inspection?.records ?? null, findings, ...(action ? { action } : {}) }),
    ]);
  }

  get guard(): GuardOptions | undefined {
    return this.options.guard;
  }
}

/**
 * Runs `work` once the answer has left, when Next offers that (`after`: the platform keeps the
 * function alive until the work ends), so telling Klaxon and writing the audit row cost the
 * caller no time; outside a request (a script, a test) `after` refuses and the work is awaited.
 */
async function afterResponse(work: () => Promise<unknown>): Promise<void> {
  try {
    after(work);
  } catch {
    await work();
  }
}

async function inspectResponse(response: Response, actor: Actor, guard: GuardOptions | undefined, route: string): Promise<Inspection | undefined> {
  if (!/^application\/(?:[a-z0-9.+-]*\+)?json\b/i.test(response.headers.get('content-type') ?? '') || !response.body) return undefined;
  let body: unknown;
  try {
    body = JSON.parse(await readBoundedText(response.clone(), MAX_GUARDED_BYTES));
  } catch (err) {
    log(`the response of ${route} was not inspected: ${err instanceof BodyTooLargeError ? err.message : 'it is not JSON'}`);
    return undefined;
  }
  return inspectBody(body, actor.tenant, guard);
}

function blockedResponse(requestId: string): Response {
  return new Response(JSON.stringify({ error: 'The request could not be completed.', requestId }), {
    status: BLOCKED_STATUS,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store', [REQUEST_ID_HEADER]: requestId },
  });
}

/**
 * A route handler with Klaxon's data-access audit and leak guard. Each call is recorded (at,
 * actor, tenant, route, method, status, records, request id, findings); a JSON response is
 * inspected before it leaves: records of a tenant other than the caller's, or fields the app
 * marks sensitive, are reported to Klaxon and, with `onViolation: 'block'`, replaced by a
 * neutral 502 JSON error (not 500: the handler did not fail, its answer was withheld). An
 * error the handler throws is reported (surface route-handler) and thrown on. Klaxon is told
 * and the row written once the answer has left (Next's `after`), not before.
 */
export function withKlaxon<Req extends Request, Ctx>(
  handler: (request: Req, context: Ctx) => Response | Promise<Response>,
  options: WithKlaxonOptions,
): (request: Req, context: Ctx) => Promise<Response> {
  const watch = new DataAccessWatch(options);
  return async (request, context) => {
    const at = new Date().toISOString();
    const requestId = requestIdOf(request) ?? crypto.randomUUID();
    const route = options.route ?? new URL(request.url).pathname.slice(0, 512);
    const actor = await options.actor(request);
    const entry = { at, actor: actor.id, tenant: actor.tenant, route, method: request.method, requestId };
    let response: Response;
    try {
      response = await handler(request, context);
    } catch (err) {
      await afterResponse(() => Promise.all([watch.reportError(err, 'route-handler', { actor, route, requestId }), watch.settle(entry, actor, 500, undefined)]));
      throw err;
    }
    const inspection = watch.guard || options.audit ? await inspectResponse(response, actor, watch.guard, route) : undefined;
    if (inspection && watch.verdict(findingsOf(inspection)) === 'blocked') {
      await response.body?.cancel().catch(() => undefined);
      response = blockedResponse(requestId);
    }
    const status = response.status;
    await afterResponse(() => watch.settle(entry, actor, status, inspection));
    return response;
  };
}

/** The request id of the server action's request, when Next gives one (the middleware's header). */
async function actionRequestId(): Promise<string> {
  try {
    const { headers } = await import('next/headers');
    const id = (await headers()).get(REQUEST_ID_HEADER);
    if (id && REQUEST_ID_PATTERN.test(id)) return id;
  } catch {
    // Outside a request (a script, a test): a fresh id.
  }
  return crypto.randomUUID();
}

/** The neutral error a blocked server action throws (Next shows its error boundary; the message says nothing). */
export class ActionWithheldError extends Error {
  override readonly name = 'ActionWithheldError';
  constructor(readonly requestId: string) {
    super('The action could not be completed.');
  }
}

/**
 * A server action with the same audit and guard as withKlaxon, applied to the value it returns
 * (method "ACTION"; status 200, 500 when it throws, 502 when blocked: then ActionWithheldError
 * is thrown instead of the value).
 */
export function withKlaxonAction<Args extends unknown[], Result>(
  action: (...args: Args) => Promise<Result>,
  options: WithKlaxonActionOptions,
): (...args: Args) => Promise<Result> {
  const watch = new DataAccessWatch(options);
  return async (...args) => {
    const at = new Date().toISOString();
    const requestId = await actionRequestId();
    const { route } = options;
    const actor = await options.actor();
    const entry = { at, actor: actor.id, tenant: actor.tenant, route, method: 'ACTION', requestId };
    let result: Result;
    try {
      result = await action(...args);
    } catch (err) {
      await afterResponse(() => Promise.all([watch.reportError(err, 'server-action', { actor, route, requestId }), watch.settle(entry, actor, 500, undefined)]));
      throw err;
    }
    const inspection = inspectBody(result, actor.tenant, watch.guard);
    const blocked = watch.verdict(findingsOf(inspection)) === 'blocked';
    await afterResponse(() => watch.settle(entry, actor, blocked ? BLOCKED_STATUS : 200, inspection));
    if (blocked) throw new ActionWithheldError(requestId);
    return result;
  };
}

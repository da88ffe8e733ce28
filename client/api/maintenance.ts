import type { IncomingMessage } from 'node:http';
import { MaintenanceInputError } from '../../core/maintenance/window-input';
import type { ApiToken } from '../../ledger/api-tokens';
import type { Maintenance, MaintenanceCaller } from '../maintenance';
import { authorize } from './authorization';
import type { ComplianceDeps } from './compliance';
import { HttpError, parseRequestJson, readBody, requireContentType } from './http';

/**
 * The maintenance routes: `POST /v1/maintenance` opens a window, `GET /v1/maintenance` lists
 * those live or to come (`?recent=true`: and those ended in the last day), `POST
 * /v1/maintenance/:id/end` ends one. Reads take incidents:read, changes incidents:write (the
 * token's responder is who acted). A token bound to tenants sees and changes only theirs.
 * Without a ledger database they answer 503: a window is nothing if it is not recorded.
 */
type Answer = Promise<{ status: number; body: unknown }>;

/** A window's body is a few short fields and two texts of at most 500 characters. */
const MAX_WINDOW_BODY_BYTES = 8 * 1024;

const callerOf = (token: ApiToken): MaintenanceCaller => ({
  actor: token.responder ? { type: 'responder', name: token.responder, via: 'api' } : { type: 'token', name: token.name, via: 'api' },
  ...(token.tenants ? { tenants: token.tenants } : {}),
});

const refusing = async <T>(work: () => Promise<T>): Promise<T> => {
  try {
    return await work();
  } catch (err) {
    if (err instanceof MaintenanceInputError) throw new HttpError(err.status, err.message);
    throw err;
  }
};

export async function startMaintenanceRoute(req: IncomingMessage, deps: ComplianceDeps, maintenance: Maintenance, now: Date): Answer {
  const token = await authorize(req, deps, 'incidents:write');
  requireContentType(req, 'application/json');
  const raw = (await readBody(req, MAX_WINDOW_BODY_BYTES)).toString('utf8');
  const body = raw.trim() ? parseRequestJson(raw) : {};
  const window = await refusing(() => maintenance.start(body, callerOf(token), now));
  return { status: 201, body: { window } };
}

export async function listMaintenanceRoute(req: IncomingMessage, deps: ComplianceDeps, maintenance: Maintenance, now: Date): Answer {
  const token = await authorize(req, deps, 'incidents:read');
  const params = new URL(req.url ?? '/', 'http://x').searchParams;
  for (const k of params.keys()) if (k !== 'recent') throw new HttpError(400, `unknown query parameter "${k.slice(0, 40)}" (recent)`);
  const recent = params.get('recent');
  if (recent !== null && recent !== 'true' && recent !== 'false') throw new HttpError(400, 'recent must be true or false');
  return { status: 200, body: await maintenance.list(callerOf(token), now, recent === 'true') };
}

export async function endMaintenanceRoute(req: IncomingMessage, deps: ComplianceDeps, maintenance: Maintenance, id: string, now: Date): Answer {
  const token = await authorize(req, deps, 'incidents:write');
  req.resume();
  const ended = await refusing(() => maintenance.end(id, callerOf(token), now));
  return { status: 200, body: { ended } };
}

/** The routes above, as the server's table takes them. */
export function maintenanceRoutes(compliance: () => ComplianceDeps, maintenance: () => Maintenance, now: () => Date) {
  return [
    { method: 'POST', pattern: /^\/v1\/maintenance$/, handle: async (req: IncomingMessage) => startMaintenanceRoute(req, compliance(), maintenance(), now()) },
    { method: 'GET', pattern: /^\/v1\/maintenance$/, handle: async (req: IncomingMessage) => listMaintenanceRoute(req, compliance(), maintenance(), now()) },
    { method: 'POST', pattern: /^\/v1\/maintenance\/([^/]+)\/end$/, handle: async (req: IncomingMessage, [id]: string[]) => endMaintenanceRoute(req, compliance(), maintenance(), id, now()) },
  ];
}

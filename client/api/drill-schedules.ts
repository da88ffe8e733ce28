import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import { describeIssues } from '../../core/alerts/alert';
import { DrillScheduleError } from '../../core/drills/drill-schedule';
import { MAX_SCENARIO_BYTES, ScenarioError } from '../../core/drills/scenario';
import type { PolicyBook } from '../../core/policy/routing';
import { DrillScheduleExistsError, DrillScheduleForbiddenError, DrillScheduleNotFoundError, type DrillSchedules, type DrillScheduleView } from '../drill-schedules';
import type { ApiToken } from '../../ledger/api-tokens';
import { authorize } from './authorization';
import type { ComplianceDeps } from './compliance';
import { HttpError, parseRequestJson, readBody, requireContentType } from './http';

type Answer = Promise<{ status: number; body: unknown }>;

/** A schedule request's body: the scenario's YAML and a few short fields (JSON escaping may double the YAML's size). */
const MAX_BODY_BYTES = 2 * MAX_SCENARIO_BYTES + 4096;

const scheduleBody = z
  .object({
    name: z.string().max(48).optional(),
    policy: z.string().min(1).max(128),
    cron: z.string().min(1).max(100),
    timeZone: z.string().min(1).max(64).optional(),
    scenario: z.string().min(1).refine((s) => Buffer.byteLength(s) <= MAX_SCENARIO_BYTES, `is over ${MAX_SCENARIO_BYTES} bytes`),
    scenarioFile: z.string().min(1).max(200).optional(),
  })
  .strict();

/** What a schedule's checks refused, as 400 naming the field (for the scenario, its file, line and field, as POST /v1/drills names them); another tenant 403, a taken name 409, an unknown schedule 404. */
async function answeringScheduleErrors<T>(token: ApiToken, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof ScenarioError) throw new HttpError(400, err.message, { file: err.file, line: err.line, field: err.field, problems: err.problems });
    if (err instanceof DrillScheduleError) throw new HttpError(400, err.message, { field: err.field });
    if (err instanceof DrillScheduleForbiddenError) throw new HttpError(403, `token "${token.name}" ${err.message}`);
    if (err instanceof DrillScheduleExistsError) throw new HttpError(409, err.message);
    if (err instanceof DrillScheduleNotFoundError) throw new HttpError(404, err.message);
    throw err;
  }
}

/** `POST /v1/drill-schedules` `{ name?, policy, cron, timeZone?, scenario: <YAML>, scenarioFile? }`: 201 with the schedule. */
export async function createDrillSchedule(req: IncomingMessage, deps: ComplianceDeps, schedules: DrillSchedules, book: PolicyBook): Answer {
  const token = await authorize(req, deps, 'incidents:write');
  requireContentType(req, 'application/json');
  const parsed = scheduleBody.safeParse(parseRequestJson((await readBody(req, MAX_BODY_BYTES)).toString('utf8')));
  if (!parsed.success) {
    const problems = describeIssues(parsed.error);
    throw new HttpError(400, `the drill schedule: ${problems.join('; ')}`, { problems });
  }
  const by = { name: token.responder ?? `token:${token.name}`, ...(token.tenants ? { tenants: token.tenants } : {}) };
  return { status: 201, body: await answeringScheduleErrors(token, () => schedules.create(parsed.data, book, by)) };
}

/** `GET /v1/drill-schedules`: the drill schedules of the token's tenants (all, for a token bound to none). */
export async function listDrillSchedules(req: IncomingMessage, deps: ComplianceDeps, schedules: DrillSchedules): Answer {
  const token = await authorize(req, deps, 'incidents:read');
  return { status: 200, body: { schedules: await schedules.list(token.tenants) } };
}

/** `POST /v1/drill-schedules/:name/pause|unpause`, `DELETE /v1/drill-schedules/:name`. */
export async function changeDrillSchedule(req: IncomingMessage, deps: ComplianceDeps, schedules: DrillSchedules, name: string, change: 'pause' | 'unpause' | 'delete'): Answer {
  const token = await authorize(req, deps, 'incidents:write');
  req.resume();
  const by = token.responder ?? `token:${token.name}`;
  const body = await answeringScheduleErrors(token, (): Promise<DrillScheduleView | { deleted: string }> => (change === 'delete' ? schedules.delete(name, token.tenants) : schedules[change](name, token.tenants, by)));
  return { status: 200, body };
}

/** The routes above, as the server's table takes them; without a Temporal client of its own the API answers 503. */
export function drillScheduleRoutes(compliance: () => ComplianceDeps, schedules: () => DrillSchedules, book: () => PolicyBook) {
  type Params = string[];
  return [
    { method: 'POST', pattern: /^\/v1\/drill-schedules$/, handle: async (req: IncomingMessage) => createDrillSchedule(req, compliance(), schedules(), book()) },
    { method: 'GET', pattern: /^\/v1\/drill-schedules$/, handle: async (req: IncomingMessage) => listDrillSchedules(req, compliance(), schedules()) },
    { method: 'POST', pattern: /^\/v1\/drill-schedules\/([^/]+)\/(pause|unpause)$/, handle: async (req: IncomingMessage, [name, change]: Params) => changeDrillSchedule(req, compliance(), schedules(), name, change as 'pause' | 'unpause') },
    { method: 'DELETE', pattern: /^\/v1\/drill-schedules\/([^/]+)$/, handle: async (req: IncomingMessage, [name]: Params) => changeDrillSchedule(req, compliance(), schedules(), name, 'delete') },
  ];
}

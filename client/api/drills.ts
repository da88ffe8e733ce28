import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import { describeIssues } from '../../core/alerts/alert';
import { isDrillId } from '../../core/drills/drill';
import { MAX_SCENARIO_BYTES, parseScenario, ScenarioError } from '../../core/drills/scenario';
import type { PolicyBook } from '../../core/policy/routing';
import { DrillError, startDrill } from '../drills';
import { FilterError } from '../incident-filter';
import type { Incidents } from '../incidents';
import { authorize, hideOtherTenants, withinTenants } from './authorization';
import type { ComplianceDeps } from './compliance';
import { HttpError, parseRequestJson, readBody, requireContentType } from './http';
import { answeringRefusals } from './incident-errors';

type Answer = Promise<{ status: number; body: unknown }>;

/** The scenario's YAML and a little JSON around it. */
export const MAX_DRILL_BODY = MAX_SCENARIO_BYTES;

const startSchema = z.object({ policy: z.string().min(1).max(128), scenario: z.string().min(1).max(MAX_SCENARIO_BYTES) }).strict();

/** What the scenario's errors are named by over the API: the body's field that holds it. */
const SCENARIO_FILE = 'scenario';

/**
 * `POST /v1/drills` (`{ policy, scenario: <YAML> }`): starts a drill as the token's responder.
 * A token bound to tenants drills only them (the scenario's tenant and its sandbox).
 * 201 `{ drillId, policy }`; 400 naming the scenario's file, line and field (or a responder the
 * policy does not have); 404 for an unknown policy.
 */
export async function startDrillRoute(req: IncomingMessage, deps: ComplianceDeps, incidents: Incidents, book: PolicyBook, now: Date): Answer {
  const token = await authorize(req, deps, 'incidents:write');
  requireContentType(req, 'application/json');
  const parsed = startSchema.safeParse(parseRequestJson((await readBody(req, MAX_DRILL_BODY)).toString('utf8')));
  if (!parsed.success) throw new HttpError(400, describeIssues(parsed.error).join('; '));
  const scenario = (() => {
    try {
      return parseScenario(parsed.data.scenario, SCENARIO_FILE);
    } catch (err) {
      if (err instanceof ScenarioError) throw new HttpError(400, err.message, { file: err.file, line: err.line, field: err.field, problems: err.problems });
      throw err;
    }
  })();
  for (const tenant of [scenario.tenant, scenario.sandboxTenant]) {
    if (tenant !== undefined && token.tenants && !token.tenants.includes(tenant)) throw new HttpError(403, `token "${token.name}" may not drill tenant "${tenant}"`);
  }
  try {
    const started = await startDrill({ incidents, book }, { policy: parsed.data.policy, scenario, startedBy: token.responder!, now });
    return { status: 201, body: started };
  } catch (err) {
    if (err instanceof DrillError) throw new HttpError(err.reason === 'unknown-policy' ? 404 : 400, err.message);
    throw err;
  }
}

/** `GET /v1/drills`: the drills (never incidents), newest first, within the token's tenants. */
export async function listDrillsRoute(req: IncomingMessage, deps: ComplianceDeps, incidents: Incidents): Answer {
  const token = await authorize(req, deps, 'incidents:read');
  try {
    const rows = await incidents.list(withinTenants(token, { drills: true }));
    return { status: 200, body: { drills: rows.map(({ incidentId, ...rest }) => ({ drillId: incidentId, ...rest })) } };
  } catch (err) {
    if (err instanceof FilterError) throw new HttpError(400, err.message);
    throw err;
  }
}

/** `GET /v1/drills/:id`: the drill's state (its incident's, `drill` set). Another tenant's drill is not found. */
export async function showDrillRoute(req: IncomingMessage, deps: ComplianceDeps, incidents: Incidents, id: string): Answer {
  const token = await authorize(req, deps, 'incidents:read');
  if (!isDrillId(id)) throw new HttpError(404, `drill ${id} was not found`);
  hideOtherTenants(token, id, `drill ${id} was not found`);
  const state = await answeringRefusals(() => incidents.state(id));
  return { status: 200, body: { drill: state } };
}

import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Client } from '@temporalio/client';
import type { Pool } from 'pg';
import { ApiTokens, type ApiToken } from '../../ledger/api-tokens';
import { ConsoleSessions } from '../../ledger/console-sessions';
import { HistoryArchive } from '../../ledger/history-archive';
import { LedgerStore, type LedgerVerifySettings } from '../../ledger/store';
import { FilterError } from '../incident-filter';
import { authorize, hideOtherTenants, liveToken, withinTenants, type Credentials } from './authorization';
import { HistoryNotFoundError, incidentHistory } from '../incident-history';
import type { Incidents } from '../incidents';
import { Reviews } from '../reviews';
import { incidentEvidence, periodEvidence, renderEvidence, type EvidenceFormat } from '../evidence';
import { attachment, HttpError, parseRequestJson, readBody, TextBody } from './http';
import { evidenceQuery, incidentListQuery, incidentQuery, periodEvidenceQuery } from './compliance-query';
import { answeringRefusals } from './incident-errors';
import { changeArgument } from './incident-changes';
import type { UpdateName } from '../../workflows/messages';
import type { PolicyBook } from '../../core/policy/routing';
import type { Policy } from '../../core/policy/policy';

/** What the compliance API reads: tokens and console sign-ins, the ledger, the history archive, Temporal. */
export interface ComplianceDeps extends Credentials {
  ledger: LedgerStore;
  archive: HistoryArchive;
  client: Client;
  /** The ledger key and retention, with which one incident's verification accepts purge records. */
  verify: LedgerVerifySettings;
}

/** The compliance API over one ledger database and a Temporal client. */
export function complianceDeps(db: Pool, client: Client, verify: LedgerVerifySettings = {}): ComplianceDeps {
  return { tokens: new ApiTokens(db), sessions: new ConsoleSessions(db), ledger: new LedgerStore(db), archive: new HistoryArchive(db), client, verify };
}

/** Reads of audit data not about one incident are chained under this id. */
export const AUDIT_READS = '_audit-reads';

/** `GET /v1/me`: the token's own name, scopes, responder, tenants and expiry (any live token; what `klaxon login` checks). */
export async function whoAmI(req: IncomingMessage, deps: ComplianceDeps): Answer {
  return { status: 200, body: await liveToken(req, deps) };
}

/** Every read of audit data is itself written to the ledger: who read what, when. */
export async function audited(deps: ComplianceDeps, token: ApiToken, incidentId: string | undefined, what: string, req: IncomingMessage): Promise<void> {
  await deps.ledger.append({
    incidentId: incidentId ?? AUDIT_READS,
    stepKey: `audit-read/${randomUUID()}`,
    kind: 'audit.read',
    occurredAt: new Date().toISOString(),
    actor: { type: 'token', name: token.name, via: 'api' },
    payload: { what, path: (req.url ?? '').split('?')[0] },
  });
}

type Answer = Promise<{ status: number; body: unknown }>;

/** `GET /v1/incidents?status=…&severity=…&tenant=…&category=…&jurisdiction=…&since=…&until=…&deadlineWithinHours=…&all=true` */
export async function listIncidents(req: IncomingMessage, deps: ComplianceDeps, incidents: Incidents, now: Date): Answer {
  const token = await authorize(req, deps, 'incidents:read');
  try {
    return { status: 200, body: { incidents: await incidents.list(withinTenants(token, incidentListQuery(req, now))) } };
  } catch (err) {
    if (err instanceof FilterError) throw new HttpError(400, err.message);
    throw err;
  }
}

/** `GET /v1/incidents/:id?tz=…`: the state, with every legal clock in UTC, the authority's zone and the reader's (`tz`, default UTC). */
export async function showIncident(req: IncomingMessage, deps: ComplianceDeps, incidents: Incidents, id: string): Answer {
  hideOtherTenants(await authorize(req, deps, 'incidents:read'), id);
  const { tz } = incidentQuery(req);
  const [state, clocks] = await answeringRefusals(() => Promise.all([incidents.state(id), incidents.clocks(id, tz)]));
  return { status: 200, body: { incident: state, clocks } };
}

/** `GET /v1/incidents/:id/timeline`: the ledger events of the incident, hashes included (audited). */
export async function incidentTimeline(req: IncomingMessage, deps: ComplianceDeps, id: string): Answer {
  const token = await authorize(req, deps, 'audit:read');
  hideOtherTenants(token, id, `the ledger holds no event of incident ${id}`);
  const events = await deps.ledger.timeline(id);
  if (events.length === 0) throw new HttpError(404, `the ledger holds no event of incident ${id}`);
  await audited(deps, token, id, 'timeline', req);
  return { status: 200, body: { incidentId: id, events, verified: await deps.ledger.verify(id, deps.verify) } };
}

export const CONTENT_TYPES: Record<EvidenceFormat, string> = { json: 'application/json; charset=utf-8', csv: 'text/csv; charset=utf-8', md: 'text/markdown; charset=utf-8' };

/** `GET /v1/incidents/:id/evidence?format=json|csv|md`: the evidence pack (audited). */
export async function incidentEvidenceRoute(req: IncomingMessage, deps: ComplianceDeps, incidents: Incidents, id: string, now: Date): Answer {
  const token = await authorize(req, deps, 'audit:read');
  hideOtherTenants(token, id);
  const { format } = evidenceQuery(req);
  const pack = await answeringRefusals(() => incidentEvidence(incidents, deps.ledger, id, now, deps.verify, new Reviews(deps.client)));
  await audited(deps, token, id, `evidence (${format})`, req);
  return { status: 200, body: new TextBody(renderEvidence(pack, format), CONTENT_TYPES[format], attachment(`${id}-evidence.${format}`)) };
}

/** `GET /v1/evidence?since=…&until=…&format=json|csv|md`: response times of a period (audited); `policies` say which incidents owe no review. */
export async function periodEvidenceRoute(req: IncomingMessage, deps: ComplianceDeps, incidents: Incidents, policies: readonly Policy[]): Answer {
  const token = await authorize(req, deps, 'audit:read');
  const { since: openedFrom, until: openedTo, format } = periodEvidenceQuery(req);
  const text = await periodEvidence(incidents, openedFrom, openedTo, format, token.tenants, new Reviews(deps.client), policies).catch((err: unknown) => {
    throw err instanceof FilterError ? new HttpError(400, err.message) : err;
  });
  await audited(deps, token, undefined, `period evidence ${openedFrom.toISOString()}..${openedTo.toISOString()} (${format})`, req);
  return { status: 200, body: new TextBody(text, CONTENT_TYPES[format], attachment(`period-${openedFrom.toISOString().slice(0, 10)}-${openedTo.toISOString().slice(0, 10)}.${format}`)) };
}

/**
 * `POST /v1/incidents/:id/<change>` for every change of the workflow's catalogue (acknowledge,
 * resolve, escalate, snooze, reassign, trigger, file, obligations, riskDecision, the containment
 * decisions, falsePositive, repin), its fields as the body (client/api/incident-changes.ts): as
 * the responder its incidents:write token is bound to, through the same Updates as a Slack click,
 * so the incident's rules (a stranger, the two-person rule) refuse with 403 whatever the path.
 */
export async function changeIncident(req: IncomingMessage, deps: ComplianceDeps, incidents: Incidents, policies: PolicyBook, id: string, change: UpdateName): Answer {
  const token = await authorize(req, deps, 'incidents:write');
  hideOtherTenants(token, id);
  const by = { responder: token.responder!, via: 'api' as const };
  const raw = (await readBody(req)).toString('utf8');
  const arg = changeArgument(change, raw.trim() ? parseRequestJson(raw) : {}, by, policies);
  return { status: 200, body: await answeringRefusals(() => incidents.change(change, id, arg)) };
}

/** `GET /v1/incidents/:id/history`: every run's Temporal history, from Temporal or the archive (audited). */
export async function incidentHistoryRoute(req: IncomingMessage, deps: ComplianceDeps, id: string): Answer {
  const token = await authorize(req, deps, 'audit:read');
  hideOtherTenants(token, id, `incident ${id} has no history in Temporal or in the ledger archive`);
  try {
    const history = await incidentHistory(deps.client, deps.archive, id);
    await audited(deps, token, id, 'history', req);
    return { status: 200, body: history };
  } catch (err) {
    if (err instanceof HistoryNotFoundError) throw new HttpError(404, err.message);
    if (err instanceof FilterError) throw new HttpError(400, err.message);
    throw err;
  }
}

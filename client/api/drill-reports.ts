import type { IncomingMessage } from 'node:http';
import { isDrillId } from '../../core/drills/drill';
import { DrillReportError } from '../../core/drills/drill-report';
import type { ApiToken } from '../../ledger/api-tokens';
import { drillReportOf, drillYearOf, renderDrillReport, renderDrillYear } from '../drill-reports';
import type { EvidenceFormat } from '../evidence';
import type { Incidents } from '../incidents';
import { authorize, hideOtherTenants } from './authorization';
import { audited, CONTENT_TYPES, type ComplianceDeps } from './compliance';
import { evidenceQuery } from './compliance-query';
import { attachment, HttpError, TextBody } from './http';
import { answeringRefusals } from './incident-errors';

type Answer = Promise<{ status: number; body: unknown }>;

/** The first and last year a yearly view may be asked for: a number outside is a typo, not a year of drills. */
const YEARS = { first: 2000, last: 2100 };

/** JSON as every answer is, CSV and Markdown as files to save. */
const answer = <T>(value: T, render: (value: T, format: EvidenceFormat) => string, format: EvidenceFormat, file: string) =>
  format === 'json' ? value : new TextBody(render(value, format), CONTENT_TYPES[format], attachment(file));

/** An id that is no drill's is not found, as GET /v1/drills/:id says; a bound token's other tenants' drills likewise. */
function hideOtherDrills(token: ApiToken, id: string): void {
  if (!isDrillId(id)) throw new HttpError(404, `drill ${id} was not found`);
  hideOtherTenants(token, id, `drill ${id} was not found`);
}

/** `GET /v1/drills/:id/report?format=json|csv|md`: the drill's report (audited, like evidence). */
export async function drillReportRoute(req: IncomingMessage, deps: ComplianceDeps, incidents: Incidents, id: string, now: Date): Answer {
  const token = await authorize(req, deps, 'audit:read');
  hideOtherDrills(token, id);
  const { format } = evidenceQuery(req);
  const report = await answeringRefusals(() => drillReportOf(incidents, deps.ledger, id, now)).catch((err: unknown) => {
    throw err instanceof DrillReportError ? new HttpError(404, `drill ${id} was not found`) : err;
  });
  await audited(deps, token, id, `drill report (${format})`, req);
  return { status: 200, body: answer(report, renderDrillReport, format, `${id}-report.${format}`) };
}

/** `GET /v1/drills/year/:year?format=json|csv|md`: every drill of the year the token may see, with its result (audited). */
export async function drillYearRoute(req: IncomingMessage, deps: ComplianceDeps, incidents: Incidents, yearText: string, now: Date): Answer {
  const token = await authorize(req, deps, 'audit:read');
  const year = /^\d{4}$/.test(yearText) ? Number(yearText) : NaN;
  if (!(year >= YEARS.first && year <= YEARS.last)) throw new HttpError(400, `"${yearText.slice(0, 20)}" is not a year from ${YEARS.first} to ${YEARS.last} (e.g. /v1/drills/year/2026)`);
  const { format } = evidenceQuery(req);
  const view = await answeringRefusals(() => drillYearOf(incidents, deps.ledger, year, now, token.tenants));
  await audited(deps, token, undefined, `drills of ${year} (${format})`, req);
  return { status: 200, body: answer(view, renderDrillYear, format, `drills-${year}.${format}`) };
}

/** The routes above, as the server's table takes them. */
export function drillReportRoutes(compliance: () => ComplianceDeps, incidents: Incidents, now: () => Date) {
  return [
    { method: 'GET', pattern: /^\/v1\/drills\/year\/([^/]+)$/, handle: async (req: IncomingMessage, [year]: string[]) => drillYearRoute(req, compliance(), incidents, year, now()) },
    { method: 'GET', pattern: /^\/v1\/drills\/([^/]+)\/report$/, handle: async (req: IncomingMessage, [id]: string[]) => drillReportRoute(req, compliance(), incidents, id, now()) },
  ];
}

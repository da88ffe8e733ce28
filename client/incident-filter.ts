import { SEVERITIES } from '../core/alerts/severity';
import { SEARCH_ATTRIBUTES } from '../workflows/search-attributes';
import { DRILL_WORKFLOW_TYPE } from '../core/drills/drill';

/** The workflow type of incidents (the workflow function's name). */
export const INCIDENT_WORKFLOW_TYPE = 'incident';

/** Which incidents a compliance query wants; every field narrows it, all through Temporal visibility. */
export interface IncidentFilter {
  /** Drills (workflow type `drill`) instead of incidents: the two never mix in one list. */
  drills?: boolean;
  /** One incident's runs (every run of its workflow id). */
  incidentId?: string;
  openOnly?: boolean;
  closedOnly?: boolean;
  status?: string[];
  severity?: string[];
  tenant?: string;
  /** Only these tenants' incidents (a token bound to tenants); narrows whatever `tenant` asks for. */
  tenants?: string[];
  dataCategory?: string;
  jurisdiction?: string;
  /** Opened at or after / before these instants. */
  openedFrom?: Date;
  openedTo?: Date;
  /** Closed at or after this instant. */
  closedFrom?: Date;
  /** With an open legal clock due before then (overdue ones included). */
  deadlineBefore?: Date;
}

/** A filter value that cannot be used, named. */
export class FilterError extends Error {
  override readonly name = 'FilterError';
}

const STATUSES = ['triggered', 'acknowledged', 'snoozed', 'resolved'];

/** Values go into a visibility query: only plain tokens, so no quote can end a string early. */
export function token(what: string, value: string): string {
  if (!/^[A-Za-z0-9_.:-]{1,100}$/.test(value)) throw new FilterError(`${what} "${value}" is not a plain name (letters, digits, _ . : -)`);
  return `'${value}'`;
}

function oneOf(what: string, values: string[], allowed: readonly string[]): string[] {
  for (const v of values) if (!allowed.includes(v)) throw new FilterError(`${what} "${v}" is not one of ${allowed.join(', ')}`);
  return values;
}

/** The Temporal visibility query of a filter. */
export function visibilityQuery(f: IncidentFilter): string {
  const sa = SEARCH_ATTRIBUTES;
  const inList = (name: string, values: string[]) => `${name} IN (${values.map((v) => `'${v}'`).join(', ')})`;
  if (f.openedFrom && f.openedTo && f.openedFrom > f.openedTo) throw new FilterError('the time range ends before it starts');
  return [
    `WorkflowType = '${f.drills ? DRILL_WORKFLOW_TYPE : INCIDENT_WORKFLOW_TYPE}'`,
    ...(f.incidentId ? [`WorkflowId = ${token(f.drills ? 'drill id' : 'incident id', f.incidentId)}`] : []),
    ...(f.openOnly ? [`ExecutionStatus = 'Running'`] : []),
    ...(f.closedOnly ? [`ExecutionStatus != 'Running'`] : []),
    ...(f.status?.length ? [inList(sa.status.name, oneOf('status', f.status, STATUSES))] : []),
    ...(f.severity?.length ? [inList(sa.severity.name, oneOf('severity', f.severity, SEVERITIES))] : []),
    ...(f.tenant ? [`${sa.tenant.name} = ${token('tenant', f.tenant)}`] : []),
    // Bound to no tenant at all matches nothing: no tenant is empty.
    ...(f.tenants ? [f.tenants.length ? `${sa.tenant.name} IN (${f.tenants.map((t) => token('tenant', t)).join(', ')})` : `${sa.tenant.name} = ''`] : []),
    ...(f.dataCategory ? [`${sa.dataCategories.name} = ${token('data category', f.dataCategory)}`] : []),
    ...(f.jurisdiction ? [`${sa.jurisdictions.name} = ${token('jurisdiction', f.jurisdiction)}`] : []),
    ...(f.openedFrom ? [`StartTime >= '${f.openedFrom.toISOString()}'`] : []),
    ...(f.openedTo ? [`StartTime < '${f.openedTo.toISOString()}'`] : []),
    ...(f.closedFrom ? [`CloseTime >= '${f.closedFrom.toISOString()}'`] : []),
    ...(f.deadlineBefore ? [`${sa.nextDeadline.name} < '${f.deadlineBefore.toISOString()}'`] : []),
  ].join(' AND ');
}

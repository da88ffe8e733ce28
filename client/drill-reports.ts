import { isDrillOf } from '../core/drills/drill';
import { drillReport, type DrillReport } from '../core/drills/drill-report';
import { drillReportCsv, drillReportMarkdown } from '../core/drills/drill-report-formats';
import { drillYear, drillYearCsv, drillYearMarkdown, type DrillYear } from '../core/drills/drill-year';
import type { LedgerStore } from '../ledger/store';
import type { EvidenceFormat } from './evidence';
import type { Incidents } from './incidents';

/**
 * Drill reports as the API and the CLI give them: the drill's state from its workflow (a query,
 * also after it closed, while Temporal keeps it) and its events from the ledger, made into the
 * report of core/drills/drill-report.ts; and the year's drills, from Temporal visibility.
 */

/** Drills one yearly view reads at most (a query and a ledger read each): far more than a year of quarterly drills per tenant. */
export const MAX_DRILLS_PER_YEAR = 1000;
/** Drills read at once. */
const READS_AT_ONCE = 8;

export async function drillReportOf(incidents: Incidents, ledger: LedgerStore, drillId: string, now: Date): Promise<DrillReport> {
  const [state, timeline] = await Promise.all([incidents.state(drillId), ledger.timeline(drillId)]);
  return drillReport(state, timeline, now.toISOString());
}

export function renderDrillReport(report: DrillReport, format: EvidenceFormat): string {
  return format === 'csv' ? drillReportCsv(report) : format === 'md' ? drillReportMarkdown(report) : JSON.stringify(report, null, 2);
}

/** Every drill started in `year` (UTC) the caller may see (`tenants`: a bound token's), each with its report's result. */
export async function drillYearOf(incidents: Incidents, ledger: LedgerStore, year: number, now: Date, tenants?: string[]): Promise<DrillYear> {
  const from = new Date(Date.UTC(year, 0, 1));
  const to = new Date(Date.UTC(year + 1, 0, 1));
  const listed = await incidents.list({ drills: true, openedFrom: from, openedTo: to, ...(tenants ? { tenants } : {}) }, MAX_DRILLS_PER_YEAR);
  // Visibility lists a drill once per run: one report per drill id.
  const ids = [...new Set(listed.map((d) => d.incidentId))].filter((id) => !tenants || isDrillOf(id, tenants));
  const reports: DrillReport[] = [];
  for (let i = 0; i < ids.length; i += READS_AT_ONCE) reports.push(...(await Promise.all(ids.slice(i, i + READS_AT_ONCE).map((id) => drillReportOf(incidents, ledger, id, now)))));
  return drillYear(reports, year);
}

export function renderDrillYear(y: DrillYear, format: EvidenceFormat): string {
  return format === 'csv' ? drillYearCsv(y) : format === 'md' ? drillYearMarkdown(y) : JSON.stringify(y, null, 2);
}

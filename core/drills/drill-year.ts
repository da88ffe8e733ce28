import { csvCell, mdCell, minutesBetween } from '../audit/evidence';
import type { DrillReport } from './drill-report';

/**
 * The yearly view of drills: every drill started in a year (UTC) with its result, and the
 * quarters without one, which is what an auditor's "evidence of quarterly testing" asks for.
 */
export interface DrillYear {
  year: number;
  drills: number;
  passed: number;
  /** Drills started in each quarter, and how many of them passed. */
  quarters: Array<{ quarter: 'Q1' | 'Q2' | 'Q3' | 'Q4'; drills: number; passed: number }>;
  rows: Array<{
    drillId: string;
    scenario: string;
    policy: string;
    tenant: string;
    startedAt: string;
    startedBy: string;
    endedAt?: string;
    result: DrillReport['result'];
    minutesToAcknowledge?: number;
    findings: string[];
  }>;
}

const QUARTERS = ['Q1', 'Q2', 'Q3', 'Q4'] as const;

export function drillYear(reports: DrillReport[], year: number): DrillYear {
  const of = reports.filter((r) => new Date(r.startedAt).getUTCFullYear() === year).sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  const rows = of.map((r) => {
    const acked = r.acknowledge.byLevel.find((l) => l.acknowledgedAt)?.acknowledgedAt;
    return {
      drillId: r.drillId,
      scenario: r.scenario,
      policy: r.policy,
      tenant: r.tenant,
      startedAt: r.startedAt,
      startedBy: r.startedBy,
      ...(r.endedAt ? { endedAt: r.endedAt } : {}),
      result: r.result,
      ...(acked ? { minutesToAcknowledge: minutesBetween(r.startedAt, acked) } : {}),
      findings: r.findings,
    };
  });
  const quarterOf = (at: string) => Math.floor(new Date(at).getUTCMonth() / 3);
  return {
    year,
    drills: rows.length,
    passed: rows.filter((r) => r.result === 'pass').length,
    quarters: QUARTERS.map((quarter, q) => {
      const inQuarter = rows.filter((r) => quarterOf(r.startedAt) === q);
      return { quarter, drills: inQuarter.length, passed: inQuarter.filter((r) => r.result === 'pass').length };
    }),
    rows,
  };
}

export function drillYearCsv(y: DrillYear): string {
  const head = ['drill', 'scenario', 'policy', 'tenant', 'started_at', 'started_by', 'ended_at', 'result', 'minutes_to_acknowledge', 'findings'];
  const rows = y.rows.map((r) => [r.drillId, r.scenario, r.policy, r.tenant, r.startedAt, r.startedBy, r.endedAt ?? '', r.result, r.minutesToAcknowledge === undefined ? '' : String(r.minutesToAcknowledge), r.findings.join('; ')]);
  return `${[head, ...rows].map((cells) => cells.map(csvCell).join(',')).join('\n')}\n`;
}

export function drillYearMarkdown(y: DrillYear): string {
  const untested = y.quarters.filter((q) => q.drills === 0).map((q) => q.quarter);
  return [
    `# Drills of ${y.year}`,
    '',
    `${y.drills} drill(s), ${y.passed} passed. All times UTC.${untested.length ? ` No drill in ${untested.join(', ')}.` : ''}`,
    '',
    '| quarter | drills | passed |',
    '| --- | --- | --- |',
    ...y.quarters.map((q) => `| ${q.quarter} | ${q.drills} | ${q.passed} |`),
    '',
    '| drill | scenario | tenant | started | by | result | minutes to acknowledge | findings |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...y.rows.map((r) => `| ${[r.drillId, r.scenario, r.tenant, r.startedAt, r.startedBy, r.result, r.minutesToAcknowledge === undefined ? 'not acknowledged' : String(r.minutesToAcknowledge), r.findings.join('\n')].map(mdCell).join(' | ')} |`),
    '',
  ].join('\n');
}

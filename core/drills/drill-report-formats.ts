import { csvCell, mdCell } from '../audit/evidence';
import type { DrillReport } from './drill-report';

/**
 * A drill report as CSV and Markdown, exported like evidence: every cell that came from outside
 * (a scenario's name, a responder's, a failure's reason, a containment plan) goes through the
 * evidence pack's escaping (core/audit/evidence.ts), so a spreadsheet runs no formula and a
 * Markdown renderer no HTML.
 */

const minutes = (v: number | undefined): string => (v === undefined ? '' : String(v));

/** One row per figure: drill, section, item, at, minutes, detail. */
export function drillReportCsv(r: DrillReport): string {
  const rows: string[][] = [['drill', 'section', 'item', 'at', 'minutes', 'detail']];
  const row = (section: string, item: string, at = '', mins = '', detail = '') => rows.push([r.drillId, section, item, at, mins, detail]);
  row('drill', 'scenario', r.startedAt, '', r.scenario);
  row('drill', 'policy', '', '', r.policy);
  row('drill', 'tenant', '', '', r.tenant);
  row('drill', 'started by', r.startedAt, '', r.startedBy);
  if (r.endedAt) row('drill', 'ended', r.endedAt);
  row('drill', 'result', '', '', r.result);
  for (const l of r.acknowledge.byLevel) {
    const detail = l.skipped ? `skipped: ${l.skipped}` : l.acknowledgedBy ? `acknowledged by ${l.acknowledgedBy}` : l.escalatedAfterMinutes !== undefined ? `escalated after ${l.escalatedAfterMinutes} min` : 'no answer yet';
    row('acknowledge by level', `level ${l.level} pass ${l.pass}`, l.pagedAt, minutes(l.minutesToAcknowledge), `${detail}; paged ${l.responders.join(' ')}`);
  }
  for (const p of r.acknowledge.byResponder) row('acknowledge by responder', p.responder, p.pagedAt, minutes(p.minutesToAcknowledge), p.acknowledgedAt ? `level ${p.level}, acknowledged ${p.acknowledgedAt}` : `level ${p.level}, did not acknowledge`);
  for (const u of r.unreachable) row('unreachable', u.responder, u.at, '', `${u.channel}: ${u.reason}`);
  for (const f of r.failovers) row('failover', f.responder, f.tookOverAt, minutes(f.minutesAfterPage), `${f.from} failed at ${f.failedAt}; ${f.to} took over`);
  for (const c of r.containment) row('containment', c.action, c.at ?? '', '', `${c.kind} on ${c.tenant}: ${c.outcome}${c.plan ? `; ${c.plan}` : ''}`);
  for (const c of r.clocks) row('clock', c.obligation, c.dueAt, '', `${c.met ? 'met' : 'not met'}${c.filedAt ? `; filed ${c.filedAt}` : '; not filed'}`);
  r.findings.forEach((f, i) => row('finding', String(i + 1), '', '', f));
  for (const c of r.controls) row('control', c);
  return `${rows.map((cells) => cells.map(csvCell).join(',')).join('\n')}\n`;
}

const table = (head: string[], rows: string[][], none: string): string[] =>
  rows.length ? [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`, ...rows.map((cells) => `| ${cells.map(mdCell).join(' | ')} |`), ''] : [none, ''];

export function drillReportMarkdown(r: DrillReport): string {
  return [
    `# Drill report: ${mdCell(r.drillId)}`,
    '',
    `Result: **${r.result === 'pass' ? 'pass' : 'findings to act on'}**. All times UTC. Evidences: ${r.controls.join(', ')}.`,
    '',
    ...table(
      ['', ''],
      [
        ['Scenario', r.scenario],
        ['Policy', r.policy],
        ['Tenant', `${r.tenant}${r.sandboxTenant ? ` (containment against sandbox ${r.sandboxTenant})` : ' (containment in dry-run)'}`],
        ['Started', `${r.startedAt} by ${r.startedBy}`],
        ['Ended', r.endedAt ?? 'still open'],
      ],
      '',
    ),
    '## Findings',
    '',
    ...r.findings.map((f) => `- ${mdCell(f)}`),
    '',
    '## Time to acknowledge, per level',
    '',
    ...table(
      ['level', 'pass', 'paged at', 'paged', 'acknowledged', 'minutes', 'escalated after'],
      r.acknowledge.byLevel.map((l) => [String(l.level), String(l.pass), l.pagedAt, l.responders.join(', '), l.skipped ? `skipped: ${l.skipped}` : (l.acknowledgedBy ?? ''), minutes(l.minutesToAcknowledge), l.escalatedAfterMinutes === undefined ? '' : `${l.escalatedAfterMinutes} min`]),
      'No level was paged.',
    ),
    '## Time to acknowledge, per responder',
    '',
    ...table(['responder', 'level', 'paged at', 'acknowledged at', 'minutes'], r.acknowledge.byResponder.map((p) => [p.responder, String(p.level), p.pagedAt, p.acknowledgedAt ?? 'did not acknowledge', minutes(p.minutesToAcknowledge)]), 'Nobody was paged.'),
    '## Unreachable',
    '',
    ...table(['responder', 'channel', 'at', 'reason'], r.unreachable.map((u) => [u.responder, u.channel, u.at, u.reason]), 'Every channel reached its responder.'),
    '## Fail-overs',
    '',
    ...table(['responder', 'failed', 'took over', 'at', 'minutes after the page'], r.failovers.map((f) => [f.responder, f.from, f.to, f.tookOverAt, String(f.minutesAfterPage)]), 'No channel had to take over from another.'),
    '## Containment',
    '',
    ...table(['action', 'kind', 'tenant', 'outcome', 'at', 'plan or failure'], r.containment.map((c) => [c.action, c.kind, c.tenant, c.outcome, c.at ?? '', c.plan ?? '']), 'No containment action was planned.'),
    '## Legal clocks on the scenario\'s timeline',
    '',
    ...table(['obligation', 'due', 'filed', 'met'], r.clocks.map((c) => [c.obligation, c.dueAt, c.filedAt ?? 'not filed', c.met ? 'yes' : 'no']), 'No legal clock ran.'),
  ].join('\n');
}

import { h } from './dom';

const FORMATS = [
  ['md', 'Markdown'],
  ['csv', 'CSV'],
  ['json', 'JSON'],
] as const;

/** `/v1/drills/<id>/report?format=…` (client/api/drill-reports.ts): the id is outside text, one encoded path segment. */
export const drillReportPath = (drillId: string, format: string): string => `/v1/drills/${encodeURIComponent(drillId)}/report?${new URLSearchParams({ format })}`;

/** The drill's report in each format, as downloads (the API audits each read; it needs audit:read). */
export function drillReportLinks(drillId: string): HTMLElement {
  const file = drillId.replace(/[^A-Za-z0-9_.-]/g, '_');
  return h(
    'span',
    { class: 'report-links' },
    ...FORMATS.flatMap(([format, label], i) => [
      i ? ' · ' : '',
      h('a', { href: drillReportPath(drillId, format), download: `${file}-report.${format}`, 'aria-label': `${label} report of ${drillId}` }, label),
    ]),
  );
}

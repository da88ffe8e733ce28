import { incidentPath } from './api';
import { h, section } from './dom';

/** How far back the period report looks from the page: the last 30 days. */
const PERIOD_DAYS = 30;

/** `section#evidence`: the incident's evidence pack in each format, and the period report (both audit:read, audited by the API). */
export function evidenceSection(incidentId: string, canAudit: boolean): HTMLElement {
  if (!canAudit) return section('evidence', 'Evidence', h('p', {}, 'Your token lacks the audit:read scope, so evidence cannot be exported.'));
  const file = incidentId.replace(/[^A-Za-z0-9_.-]/g, '_');
  const pack = (format: string, label: string) =>
    h('li', {}, h('a', { href: incidentPath(incidentId, `/evidence?format=${format}`), download: `${file}-evidence.${format}` }, label));
  const until = new Date();
  const since = new Date(until.getTime() - PERIOD_DAYS * 86_400_000);
  const period = `/v1/evidence?${new URLSearchParams({ since: since.toISOString(), until: until.toISOString(), format: 'md' })}`;
  return section(
    'evidence',
    'Evidence',
    h('p', {}, 'The evidence pack of this incident (every event, the chain check, the clocks and filings):'),
    h('ul', { class: 'downloads' }, pack('json', 'Evidence pack (JSON)'), pack('csv', 'Evidence pack (CSV)'), pack('md', 'Evidence pack (Markdown)')),
    h('p', {}, h('a', { href: period, download: `klaxon-period-report-${since.toISOString().slice(0, 10)}.md` }, `Period report, last ${PERIOD_DAYS} days (Markdown)`)),
  );
}

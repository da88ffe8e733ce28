import type { DrillYear } from '../core/drills/drill-year';
import { getJson } from './api';
import { h, replaceChildren, section, table } from './dom';
import { failureNotice } from './failure';
import { consolePath } from './routes';
import { when } from './time';

const count = new Intl.NumberFormat();

/** `/v1/drills/year/<yyyy>?format=…`: the yearly view the API renders (client/api/drill-reports.ts). */
const yearPath = (year: number, format: string): string => `/v1/drills/year/${year}?${new URLSearchParams({ format })}`;

function yearView(y: DrillYear): HTMLElement {
  const downloads = h(
    'p',
    {},
    'Download: ',
    h('a', { href: yearPath(y.year, 'md'), download: `drills-${y.year}.md` }, `Drills of ${y.year} (Markdown)`),
    ' · ',
    h('a', { href: yearPath(y.year, 'csv'), download: `drills-${y.year}.csv` }, `Drills of ${y.year} (CSV)`),
  );
  if (y.drills === 0) return h('div', {}, h('p', { id: 'year-summary' }, `No drill was started in ${y.year}.`), downloads);
  const quarters = y.quarters.map((q) => h('tr', {}, h('th', { scope: 'row' }, q.quarter), h('td', {}, count.format(q.drills)), h('td', {}, count.format(q.passed))));
  const rows = y.rows.map((r) =>
    h(
      'tr',
      { 'data-drill-id': r.drillId },
      h('td', {}, h('a', { href: consolePath.incident(r.drillId) }, r.drillId)),
      h('td', {}, r.scenario),
      h('td', {}, when(r.startedAt)),
      h('td', { class: `result result-${r.result}` }, r.result),
      h('td', {}, r.minutesToAcknowledge === undefined ? 'not acknowledged' : `${count.format(r.minutesToAcknowledge)} min`),
      h('td', {}, r.findings.length ? h('ul', {}, ...r.findings.map((f) => h('li', {}, f))) : '—'),
    ),
  );
  return h(
    'div',
    {},
    h('p', { id: 'year-summary' }, `${count.format(y.drills)} drill${y.drills === 1 ? '' : 's'} in ${y.year}, ${count.format(y.passed)} passed.`),
    table('drill-quarters', `Drills of ${y.year} by quarter`, ['Quarter', 'Drills', 'Passed'], quarters),
    table('drill-year', `Every drill of ${y.year}`, ['Drill', 'Scenario', 'Started', 'Result', 'To acknowledge', 'Findings'], rows),
    downloads,
  );
}

/**
 * `section#drill-year`: the drills of a year with their results, what an auditor asks for
 * (GET /v1/drills/year/<yyyy>, audit:read, audited by the API). Another year is one field away.
 */
export function drillYearSection(canAudit: boolean): HTMLElement {
  if (!canAudit) return section('drill-year-section', 'The year in drills', h('p', {}, 'Your token lacks the audit:read scope, so drill reports and the yearly view cannot be read.'));
  const thisYear = new Date().getUTCFullYear();
  const year = h('input', { type: 'number', id: 'drill-year-input', name: 'year', min: 2000, max: 2100, step: 1, value: thisYear, required: true });
  const body = h('div', { 'aria-live': 'polite' }, h('p', {}, 'Loading…'));
  async function show(y: number): Promise<void> {
    try {
      replaceChildren(body, yearView(await getJson<DrillYear>(yearPath(y, 'json'))));
    } catch (err) {
      replaceChildren(body, failureNotice(err));
    }
  }
  const form = h('form', { class: 'inline', id: 'drill-year-form' }, h('label', { for: 'drill-year-input' }, 'Year'), year, h('button', { type: 'submit' }, 'Show'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void show(year.valueAsNumber);
  });
  void show(thisYear);
  return section('drill-year-section', 'The year in drills', form, body);
}

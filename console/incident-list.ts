import type { IncidentSummary } from '../client/incidents';
import { getJson } from './api';
import { h, listText, replaceChildren, table } from './dom';
import { showFailurePage } from './failure';
import { filterForm, filtersOf, listPath, queryOf, type Filters } from './list-filters';
import { Poller } from './poller';
import { consolePath } from './routes';
import { deadline, refreshCountdowns, when } from './time';

/** How often the list asks again: new incidents and status changes show within this. */
const POLL_MS = 5000;

const count = new Intl.NumberFormat();

function row(i: IncidentSummary): HTMLTableRowElement {
  return h(
    'tr',
    { 'data-incident-id': i.incidentId },
    h('td', {}, h('a', { href: consolePath.incident(i.incidentId) }, i.incidentId)),
    h('td', { class: `status status-${i.status}` }, i.status),
    h('td', { class: 'severity' }, i.severity ?? '—'),
    h('td', {}, i.tenant ?? '—'),
    h('td', {}, listText(i.dataCategories) || '—'),
    h('td', {}, listText(i.jurisdictions) || '—'),
    h('td', {}, when(i.openedAt)),
    h('td', { class: 'deadline' }, i.nextDeadline ? deadline(i.nextDeadline) : 'none'),
  );
}

function incidentsView(incidents: IncidentSummary[], filters: Filters): HTMLElement {
  if (incidents.length === 0) return h('p', { id: 'no-incidents' }, 'No incidents match.');
  const closedToo = filters.all === 'true' || filters.status === 'resolved';
  const caption = `${count.format(incidents.length)} ${closedToo ? '' : 'open '}incident${incidents.length === 1 ? '' : 's'}${Object.keys(filters).length ? ' matching the filters' : ''}`;
  return table('incidents', caption, ['Incident', 'Status', 'Severity', 'Tenant', 'Data categories', 'Jurisdictions', 'Opened', 'Nearest deadline'], incidents.map(row));
}

/** `/console`: the incidents, filtered as the URL says, asked for again every few seconds. */
export function showIncidentList(main: HTMLElement): void {
  let filters = filtersOf(location.search);
  const updated = h('p', { id: 'list-updated', class: 'muted' }, 'Loading…');
  const problem = h('div', { id: 'list-problem' });
  const body = h('div', { id: 'list-body' });

  const poller = new Poller({
    read: () => getJson<{ incidents: IncidentSummary[] }>(listPath(filters)).then((r) => r.incidents),
    show(incidents) {
      replaceChildren(body, incidentsView(incidents, filters));
      refreshCountdowns(body);
    },
    updated,
    problem,
    stopped: (err) => showFailurePage(main, 'Incidents', err),
    intervalMs: POLL_MS,
  });

  function apply(next: Filters): void {
    filters = next;
    history.pushState(null, '', `${consolePath.list}${queryOf(filters)}`);
    // The form already shows what was applied: only the table changes, and the focus stays put.
    poller.restart();
  }

  function render(): void {
    replaceChildren(main, h('h1', {}, 'Incidents'), filterForm(filters, apply), updated, problem, body);
    poller.restart();
  }

  // Back and forward move between filtered views: show the one the URL now names.
  addEventListener('popstate', () => {
    filters = filtersOf(location.search);
    render();
  });
  render();
}

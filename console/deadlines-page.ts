import type { OwedDeadline as Deadline } from '../client/api/legal-routes';
import { getJson } from './api';
import { h, replaceChildren, table } from './dom';
import { showFailurePage } from './failure';
import { Poller } from './poller';
import { consolePath } from './routes';
import { deadline, refreshCountdowns } from './time';

/** How far ahead the page looks, in hours. */
const WITHIN_HOURS = 72;
/** Deadlines move slowly: a new one shows within this. */
const POLL_MS = 15_000;


function row(d: Deadline): HTMLTableRowElement {
  return h(
    'tr',
    { 'data-incident-id': d.incidentId, 'data-obligation': d.obligation, class: d.overdue ? 'overdue' : undefined },
    h('td', { class: 'deadline' }, deadline(d.dueAt)),
    h('td', {}, h('strong', {}, d.title), ` (${d.regime})`, h('br'), h('span', { class: 'muted' }, `to ${d.recipient}`)),
    h('td', {}, h('a', { href: consolePath.incident(d.incidentId) }, d.incidentId)),
    h('td', { class: 'severity' }, d.severity),
    h('td', {}, d.tenant),
    h('td', { class: `status status-${d.status}` }, d.status),
  );
}

function deadlinesView(deadlines: Deadline[]): HTMLElement {
  if (deadlines.length === 0) return h('p', { id: 'no-deadlines' }, `No unfiled deadline falls due in the next ${WITHIN_HOURS} hours, and none is overdue.`);
  const overdue = deadlines.filter((d) => d.overdue).length;
  const n = new Intl.NumberFormat();
  const caption = `${n.format(deadlines.length)} unfiled deadline${deadlines.length === 1 ? '' : 's'}${overdue ? `, ${n.format(overdue)} overdue` : ''}: overdue first, then soonest`;
  return table('deadlines', caption, ['Due', 'Obligation', 'Incident', 'Severity', 'Tenant', 'Status'], deadlines.map(row));
}

/** `/console/compliance`: every legal deadline across open incidents due within 72 hours (or past). */
export function showDeadlinesPage(main: HTMLElement): void {
  const updated = h('p', { id: 'deadlines-updated', class: 'muted' }, 'Loading…');
  const problem = h('div');
  const body = h('div');
  replaceChildren(main, h('h1', {}, `Deadlines in the next ${WITHIN_HOURS} hours`), updated, problem, body);
  new Poller({
    read: () => getJson<{ deadlines: Deadline[]; truncated?: string }>(`/v1/deadlines?withinHours=${WITHIN_HOURS}`),
    show({ deadlines, truncated }) {
      replaceChildren(body, truncated ? h('p', { class: 'warning' }, `Not complete: ${truncated}.`) : null, deadlinesView(deadlines));
      refreshCountdowns(body);
    },
    updated,
    problem,
    stopped: (err) => showFailurePage(main, 'Deadlines', err),
    intervalMs: POLL_MS,
  }).restart();
}

import type { IncidentSummary } from '../client/incidents';
import { getJson } from './api';
import type { ChangeAnswer } from './changes';
import { h, replaceChildren, section, table } from './dom';
import { drillReportLinks } from './drill-report-links';
import { drillSchedulesSection } from './drill-schedules-section';
import { drillStartSection } from './drill-start-form';
import { drillYearSection } from './drill-year-section';
import { showFailurePage } from './failure';
import { Feedback } from './feedback';
import { canAudit, canWrite, type Me } from './me';
import { Poller } from './poller';
import { consolePath } from './routes';
import { when } from './time';

/** A drill as GET /v1/drills lists it: an incident summary under its drill id. */
type DrillSummary = Omit<IncidentSummary, 'incidentId'> & { drillId: string };

/** A drill runs for minutes: a new one, or its acknowledgement, shows within this. */
const POLL_MS = 5000;

function row(d: DrillSummary, withReports: boolean): HTMLTableRowElement {
  return h(
    'tr',
    { 'data-drill-id': d.drillId },
    h('td', {}, h('a', { href: consolePath.incident(d.drillId) }, d.drillId)),
    h('td', { class: `status status-${d.status}` }, d.status),
    h('td', { class: 'severity' }, d.severity ?? '—'),
    h('td', {}, d.tenant ?? '—'),
    h('td', {}, when(d.openedAt)),
    ...(withReports ? [h('td', {}, drillReportLinks(d.drillId))] : []),
  );
}

function drillsView(drills: DrillSummary[], withReports: boolean): HTMLElement {
  if (drills.length === 0) return h('p', { id: 'no-drills' }, 'No drill has been run yet.');
  const headings = ['Drill', 'Status', 'Severity', 'Tenant', 'Started', ...(withReports ? ['Report'] : [])];
  return table('drills', `${new Intl.NumberFormat().format(drills.length)} drill${drills.length === 1 ? '' : 's'}, newest first`, headings, drills.map((d) => row(d, withReports)));
}

/**
 * `/console/drills`: the drills (never in the incident list), each linked to its page and its
 * report; a form to start one and Pause / Unpause of scheduled drills for a write token; the
 * year's drills for an auditor.
 */
export function showDrillsPage(main: HTMLElement, me: Me): void {
  const feedback = new Feedback();
  const updated = h('p', { id: 'drills-updated', class: 'muted' }, 'Loading…');
  const problem = h('div');
  const body = h('div');
  const list = new Poller({
    read: () => getJson<{ drills: DrillSummary[] }>('/v1/drills').then((r) => r.drills),
    show(drills) {
      replaceChildren(body, drillsView(drills, canAudit(me)));
    },
    updated,
    problem,
    stopped: (err) => showFailurePage(main, 'Drills', err),
    intervalMs: POLL_MS,
  });
  const writes = canWrite(me);
  const answer: ChangeAnswer = {
    feedback,
    async reload() {
      list.restart();
      await schedules.load();
    },
  };
  const schedules = drillSchedulesSection(writes ? answer : undefined);
  replaceChildren(
    main,
    h('h1', {}, 'Drills'),
    writes ? drillStartSection(answer) : null,
    section('drill-list', 'Drills run', updated, problem, body),
    schedules.element,
    drillYearSection(canAudit(me)),
    feedback.element,
  );
  document.title = 'Drills · Klaxon console';
  list.restart();
  void schedules.load();
}

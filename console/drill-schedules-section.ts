import type { DrillScheduleView } from '../client/drill-schedules';
import { getJson, postJson } from './api';
import { sendChange, type ChangeAnswer } from './changes';
import { h, replaceChildren, section, table } from './dom';
import { failureNotice } from './failure';
import { when } from './time';

/** `/v1/drill-schedules/<name>/<change>`: the name is outside text, one encoded path segment. */
const changePath = (name: string, change: 'pause' | 'unpause'): string => `/v1/drill-schedules/${encodeURIComponent(name)}/${change}`;

/** Pause or Unpause, whichever the schedule is not. */
function changeButton(s: DrillScheduleView, answer: ChangeAnswer): HTMLButtonElement {
  const change = s.paused ? 'unpause' : 'pause';
  const label = s.paused ? 'Unpause' : 'Pause';
  const button = h('button', { type: 'button', class: `schedule-${change}`, 'aria-label': `${label} ${s.name}` }, label);
  button.addEventListener('click', () =>
    void sendChange<DrillScheduleView>(answer, button, () => postJson(changePath(s.name, change), {}), (v) => `Drill schedule ${v.name} ${v.paused ? 'paused' : 'unpaused'}.`),
  );
  return button;
}

function row(s: DrillScheduleView, answer: ChangeAnswer | undefined): HTMLTableRowElement {
  return h(
    'tr',
    { 'data-schedule': s.name },
    h('td', {}, h('strong', {}, s.name), h('br'), h('span', { class: 'muted' }, `scenario ${s.scenario}`)),
    h('td', {}, s.policy, h('br'), h('span', { class: 'muted' }, `tenant ${s.tenant}`)),
    h('td', {}, h('code', {}, s.cron), ` (${s.timeZone ?? 'UTC'})`),
    h('td', {}, s.paused ? 'paused' : s.nextRuns[0] ? when(s.nextRuns[0]) : '—'),
    h('td', { class: s.paused ? 'status status-paused' : 'status' }, s.paused ? 'paused' : 'active', s.note ? h('span', { class: 'muted' }, `: ${s.note}`) : null),
    ...(answer ? [h('td', {}, changeButton(s, answer))] : []),
  );
}

/**
 * `section#drill-schedules`: the drills Temporal Schedules start (GET /v1/drill-schedules), with
 * Pause / Unpause for a write token. Making one stays with the CLI (`klaxon drill schedule`), which
 * reads the scenario from a file.
 */
export function drillSchedulesSection(answer: ChangeAnswer | undefined): { element: HTMLElement; load(): Promise<void> } {
  const body = h('div', {}, h('p', {}, 'Loading…'));
  const element = section('drill-schedules', 'Scheduled drills', body);
  return {
    element,
    async load() {
      try {
        const { schedules } = await getJson<{ schedules: DrillScheduleView[] }>('/v1/drill-schedules');
        const headings = ['Schedule', 'Policy', 'When', 'Next run', 'State', ...(answer ? ['Change'] : [])];
        replaceChildren(
          body,
          schedules.length
            ? table('drill-schedule-list', `${schedules.length} drill schedule${schedules.length === 1 ? '' : 's'}`, headings, schedules.map((s) => row(s, answer)))
            : h('p', { id: 'no-schedules' }, 'No drill is scheduled. Schedule one with ', h('code', {}, 'klaxon drill schedule --policy <p> --cron "<expr>" --scenario <file>'), '.'),
        );
      } catch (err) {
        replaceChildren(body, failureNotice(err));
      }
    },
  };
}

import type { RuntimeOverride } from '../core/oncall/runtime-override';
import type { ScheduleOnCall, ShiftView } from '../core/oncall/who-is-on-call';
import { getJson } from './api';
import { h, replaceChildren, table } from './dom';
import { showFailurePage } from './failure';
import { Poller } from './poller';
import { viewerZone, when } from './time';

/** Shifts move in hours: an override taken elsewhere shows within this. */
const POLL_MS = 30_000;

const via = (s: ShiftView): string => (s.via === undefined ? '—' : s.via.startsWith('override') ? s.via : `layer ${s.via}`);

const shiftRow = (label: string, s: ShiftView): HTMLTableRowElement =>
  h('tr', { class: s.via?.startsWith('override') ? 'override' : undefined }, h('td', {}, label), h('td', {}, s.responder ?? 'nobody'), h('td', {}, via(s)), h('td', {}, when(s.from)), h('td', {}, when(s.to)));

function scheduleView(s: ScheduleOnCall, i: number): HTMLElement {
  return h(
    'section',
    { class: 'oncall-schedule' },
    h('h2', {}, `${s.schedule} `, h('span', { class: 'muted' }, `(policy ${s.policy})`)),
    table(`oncall-${i}`, `Now: ${s.now.responder ?? 'nobody'} on call`, ['', 'On call', 'Why', 'From', 'Until'], [shiftRow('now', s.now), ...s.next.map((n) => shiftRow('next', n))]),
  );
}

const overrideRow = (o: RuntimeOverride): HTMLTableRowElement =>
  h('tr', { 'data-override-id': o.id }, h('td', {}, o.id), h('td', {}, `${o.policy}/${o.schedule}`), h('td', {}, o.replaces ? `${o.responder} for ${o.replaces}` : o.responder), h('td', {}, when(o.from)), h('td', {}, when(o.to)), h('td', {}, o.by), h('td', {}, o.reason));

/**
 * `/console/oncall`: who is on call now and next on each schedule the token may see, run-time
 * overrides included (GET /v1/oncall), and the overrides in force or to come. Taking and
 * cancelling overrides is the CLI's and the API's (`klaxon oncall override|swap|cancel`).
 */
export function showOnCallPage(main: HTMLElement): void {
  const updated = h('p', { id: 'oncall-updated', class: 'muted' }, 'Loading…');
  const problem = h('div');
  const body = h('div');
  replaceChildren(main, h('h1', {}, 'On call'), updated, problem, body);
  document.title = 'On call · Klaxon console';
  new Poller({
    read: () =>
      Promise.all([getJson<{ schedules: ScheduleOnCall[] }>(`/v1/oncall?${new URLSearchParams({ tz: viewerZone() })}`), getJson<{ overrides: RuntimeOverride[] }>('/v1/oncall/overrides')]).then(([oncall, live]) => ({
        schedules: oncall.schedules,
        overrides: live.overrides,
      })),
    show({ schedules, overrides }) {
      replaceChildren(
        body,
        ...(schedules.length ? schedules.map(scheduleView) : [h('p', { id: 'no-schedules' }, 'No policy you may see has a schedule.')]),
        h('h2', {}, 'Run-time overrides'),
        overrides.length
          ? table('oncall-overrides', `${overrides.length} override${overrides.length === 1 ? '' : 's'} in force or to come`, ['Id', 'Schedule', 'On call', 'From', 'Until', 'Taken by', 'Why'], overrides.map(overrideRow))
          : h('p', { id: 'no-overrides' }, 'No run-time override: the schedules run as the policy file says.'),
      );
    },
    updated,
    problem,
    stopped: (err) => showFailurePage(main, 'On call', err),
    intervalMs: POLL_MS,
  }).restart();
}

import type { RuntimeOverride } from '../core/oncall/runtime-override';
import type { ScheduleOnCall, ShiftView } from '../core/oncall/who-is-on-call';
import { getJson, postJson } from './api';
import { sendChange, type ChangeAnswer } from './changes';
import { h, replaceChildren, section, table } from './dom';
import { Feedback } from './feedback';
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

function overrideRow(o: RuntimeOverride, answer: ChangeAnswer): HTMLTableRowElement {
  const cancel = h('button', { type: 'button', class: 'cancel-override', 'aria-label': `Cancel override ${o.id}` }, 'Cancel');
  cancel.addEventListener('click', () => void sendChange(answer, cancel, () => postJson(`/v1/oncall/overrides/${encodeURIComponent(o.id)}/cancel`, {}), () => `Override ${o.id} cancelled.`));
  return h(
    'tr',
    { 'data-override-id': o.id },
    h('td', {}, o.id),
    h('td', {}, `${o.policy}/${o.schedule}`),
    h('td', {}, o.replaces ? `${o.responder} for ${o.replaces}` : o.responder),
    h('td', {}, when(o.from)),
    h('td', {}, when(o.to)),
    h('td', {}, o.by),
    h('td', {}, o.reason),
    h('td', {}, cancel),
  );
}

/**
 * `section#take-override`: a schedule, who, from, until (local to the viewer's zone, sent as
 * `tz`) and why, sent as `POST /v1/oncall/overrides`. The API checks it all and its refusal is
 * shown as given; the form keeps what was typed.
 */
function takeOverrideSection(answer: ChangeAnswer): HTMLElement {
  const field = (id: string, label: string, input: HTMLInputElement) => h('div', { class: 'field' }, h('label', { for: id }, label), input);
  const text = (id: string, required = true) => h('input', { type: 'text', id, name: id, required, maxlength: 64, autocomplete: 'off', spellcheck: 'false' });
  const schedule = text('override-schedule');
  const policy = text('override-policy', false);
  const responder = text('override-responder');
  const from = h('input', { type: 'datetime-local', id: 'override-from', name: 'from', required: true });
  const until = h('input', { type: 'datetime-local', id: 'override-until', name: 'until', required: true });
  const reason = h('input', { type: 'text', id: 'override-reason', name: 'reason', required: true, maxlength: 500, autocomplete: 'off' });
  const take = h('button', { type: 'submit', id: 'override-take' }, 'Take the override');
  const form = h(
    'form',
    { id: 'override-form', class: 'stacked' },
    field('override-schedule', 'Schedule', schedule),
    field('override-policy', 'Policy (when two have that schedule)', policy),
    field('override-responder', 'Who is on call', responder),
    field('override-from', `From (${viewerZone()})`, from),
    field('override-until', `Until (${viewerZone()})`, until),
    field('override-reason', 'Why', reason),
    h('div', { class: 'buttons' }, take),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const body = { schedule: schedule.value.trim(), ...(policy.value.trim() ? { policy: policy.value.trim() } : {}), responder: responder.value.trim(), from: from.value, until: until.value, tz: viewerZone(), reason: reason.value };
    void sendChange<{ overrides: RuntimeOverride[] }>(answer, take, () => postJson('/v1/oncall/overrides', body), (r) => `Override ${r.overrides.map((o) => o.id).join(', ')} taken: open incidents page by it at their next level.`);
  });
  return section('take-override', 'Take an override', form);
}

/**
 * `/console/oncall`: who is on call now and next on each schedule the token may see, run-time
 * overrides included (GET /v1/oncall), the overrides in force or to come with their Cancel
 * buttons, and a form to take one (swaps: `klaxon oncall swap`). A reader's token is refused by
 * the API (incidents:write), and the refusal shown.
 */
export function showOnCallPage(main: HTMLElement): void {
  const updated = h('p', { id: 'oncall-updated', class: 'muted' }, 'Loading…');
  const problem = h('div');
  const body = h('div');
  const feedback = new Feedback();
  document.title = 'On call · Klaxon console';
  const poller = new Poller({
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
          ? table('oncall-overrides', `${overrides.length} override${overrides.length === 1 ? '' : 's'} in force or to come`, ['Id', 'Schedule', 'On call', 'From', 'Until', 'Taken by', 'Why', ''], overrides.map((o) => overrideRow(o, answer)))
          : h('p', { id: 'no-overrides' }, 'No run-time override: the schedules run as the policy file says.'),
      );
    },
    updated,
    problem,
    stopped: (err) => showFailurePage(main, 'On call', err),
    intervalMs: POLL_MS,
  });
  // After a change, the page reads again at once (refused or not), as the incident page does.
  const answer: ChangeAnswer = { feedback, reload: async () => poller.restart() };
  replaceChildren(main, h('h1', {}, 'On call'), feedback.element, updated, problem, body, takeOverrideSection(answer));
  poller.restart();
}

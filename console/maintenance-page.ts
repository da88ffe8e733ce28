import type { MaintenanceWindow } from '../core/maintenance/window';
import type { MaintenanceEnded } from '../workflows/maintenance';
import { getJson, postJson } from './api';
import { sendChange, type ChangeAnswer } from './changes';
import { h, replaceChildren, section, table } from './dom';
import { Feedback } from './feedback';
import { showFailurePage } from './failure';
import { Poller } from './poller';
import { when } from './time';

/** A window as `GET /v1/maintenance` lists it. */
type ListedWindow = MaintenanceWindow & { held: number; bypassed: number };

/** Held counts move with every alert: a window's tally shows within this. */
const POLL_MS = 15_000;

const scope = (w: ListedWindow): string => [w.tenant, w.source && `source ${w.source}`, w.service && `service ${w.service}`].filter(Boolean).join(', ');

function windowRow(w: ListedWindow, answer: ChangeAnswer): HTMLTableRowElement {
  let end: HTMLButtonElement | string = '';
  if (w.endedAt === undefined) {
    const button = h('button', { type: 'button', class: 'end-maintenance', 'aria-label': `End maintenance window ${w.id}` }, 'End now');
    button.addEventListener('click', () =>
      void sendChange<{ ended: MaintenanceEnded }>(answer, button, () => postJson(`/v1/maintenance/${encodeURIComponent(w.id)}/end`, {}), (r) => `Window ${w.id} ended: ${r.ended.held} alert(s) held back, ${r.ended.bypassed} paged anyway.`),
    );
    end = button;
  }
  return h(
    'tr',
    { 'data-window-id': w.id, class: w.endedAt === undefined ? undefined : 'ended' },
    h('td', {}, w.id),
    h('td', {}, scope(w)),
    h('td', {}, when(w.from)),
    h('td', {}, w.until === null ? `no end: ${w.openEnded ?? ''}` : when(w.until)),
    h('td', {}, w.held),
    h('td', {}, w.bypassed),
    h('td', {}, w.allowSev1PersonalData ? 'held too' : 'pages'),
    h('td', {}, w.by),
    h('td', {}, w.reason),
    h('td', {}, w.endedAt === undefined ? end : h('span', {}, 'ended ', when(w.endedAt), ` by ${w.endedBy ?? ''}`)),
  );
}

/**
 * `section#start-maintenance`: the scope, how long (minutes, or open-ended with why), whether
 * SEV1 alerts with personal data may be held too, and why; sent as `POST /v1/maintenance`. The
 * API checks it all and its refusal is shown as given; the form keeps what was typed.
 */
function startSection(answer: ChangeAnswer): HTMLElement {
  const field = (id: string, label: string, input: HTMLInputElement) => h('div', { class: 'field' }, h('label', { for: id }, label), input);
  const text = (id: string, required: boolean, max = 64) => h('input', { type: 'text', id, name: id, required, maxlength: max, autocomplete: 'off', spellcheck: 'false' });
  const tenant = text('maintenance-tenant', true, 128);
  const source = text('maintenance-source', false);
  const service = text('maintenance-service', false);
  const minutes = h('input', { type: 'number', id: 'maintenance-minutes', name: 'minutes', min: 1, max: 43200, step: 1 });
  const openEnded = text('maintenance-open-ended', false, 500);
  const allow = h('input', { type: 'checkbox', id: 'maintenance-allow-sev1', name: 'allowSev1PersonalData' });
  const reason = text('maintenance-reason', true, 500);
  const start = h('button', { type: 'submit', id: 'maintenance-start' }, 'Start the window');
  const form = h(
    'form',
    { id: 'maintenance-form', class: 'stacked' },
    field('maintenance-tenant', 'Tenant', tenant),
    field('maintenance-source', 'Only this source (optional)', source),
    field('maintenance-service', 'Only this service (optional)', service),
    field('maintenance-minutes', 'Minutes (1 to 43200)', minutes),
    field('maintenance-open-ended', 'Or no end, because (optional)', openEnded),
    field('maintenance-allow-sev1', 'Hold back SEV1 alerts with personal data too', allow),
    field('maintenance-reason', 'Why', reason),
    h('div', { class: 'buttons' }, start),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const opt = (k: string, v: string) => (v.trim() ? { [k]: v.trim() } : {});
    const body = {
      tenant: tenant.value.trim(),
      ...opt('source', source.value),
      ...opt('service', service.value),
      ...(minutes.value ? { minutes: Number(minutes.value) } : {}),
      ...opt('openEnded', openEnded.value),
      ...(allow.checked ? { allowSev1PersonalData: true } : {}),
      reason: reason.value,
    };
    void sendChange<{ window: ListedWindow }>(answer, start, () => postJson('/v1/maintenance', body), (r) => `Window ${r.window.id} started: alerts of ${scope(r.window)} are held back.`);
  });
  return section('start-maintenance', 'Start a maintenance window', form);
}

/**
 * `/console/maintenance`: the windows live or to come (and those ended in the last day) of the
 * tenants the token may see, with what each held back and an End button each, and a form to
 * start one. A reader's token is refused by the API (incidents:write), and the refusal shown.
 */
export function showMaintenancePage(main: HTMLElement): void {
  const updated = h('p', { id: 'maintenance-updated', class: 'muted' }, 'Loading…');
  const problem = h('div');
  const body = h('div');
  const feedback = new Feedback();
  document.title = 'Maintenance · Klaxon console';
  const poller = new Poller({
    read: () => getJson<{ windows: ListedWindow[]; more: boolean }>('/v1/maintenance?recent=true'),
    show({ windows, more }) {
      replaceChildren(
        body,
        windows.length
          ? table('maintenance-windows', `${windows.length} window${windows.length === 1 ? '' : 's'}${more ? ' (the first by start; more were left out)' : ''}`, ['Id', 'Scope', 'From', 'Until', 'Held', 'Paged anyway', 'SEV1 with personal data', 'By', 'Why', ''], windows.map((w) => windowRow(w, answer)))
          : h('p', { id: 'no-maintenance' }, 'No maintenance window: every alert pages as usual.'),
      );
    },
    updated,
    problem,
    stopped: (err) => showFailurePage(main, 'Maintenance', err),
    intervalMs: POLL_MS,
  });
  const answer: ChangeAnswer = { feedback, reload: async () => poller.restart() };
  replaceChildren(main, h('h1', {}, 'Maintenance'), feedback.element, updated, problem, body, startSection(answer));
  poller.restart();
}

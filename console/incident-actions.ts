import type { AckResult, ResolveResult } from '../core/incident/responder-actions';
import type { IncidentState } from '../core/incident/state';
import { makeChange, type ChangeContext } from './changes';
import { h, section } from './dom';
import { inViewerZone } from './time';

/**
 * `section#actions`, for a write token bound to a responder: what a responder does to an
 * incident, each through the API as that responder (the policy's snooze limit is the
 * workflow's to enforce, so the field sets none of its own). Built once per page, so the focus stays
 * on the button just used while the page reloads its data; `update` follows the status.
 */
export function actionsSection(ctx: ChangeContext): { element: HTMLElement; update(state: IncidentState): void } {
  const acknowledge = h('button', { type: 'button', id: 'acknowledge' }, 'Acknowledge');
  const escalate = h('button', { type: 'button', id: 'escalate' }, 'Escalate now');
  const minutes = h('input', { type: 'number', id: 'snooze-minutes', name: 'minutes', min: 1, step: 1, value: 30, required: true });
  const snooze = h('button', { type: 'submit', id: 'snooze' }, 'Snooze');
  const note = h('input', { type: 'text', id: 'resolve-note', name: 'note', maxlength: 1000, autocomplete: 'off' });
  const resolve = h('button', { type: 'submit', id: 'resolve' }, 'Resolve');
  const closed = h('p', { class: 'muted', hidden: true }, 'This incident is resolved: it takes no more actions.');

  acknowledge.addEventListener('click', () =>
    void makeChange<AckResult>(ctx, acknowledge, 'acknowledge', {}, (r) => (r.alreadyDone ? `Already acknowledged by ${r.acknowledgedBy}.` : `Acknowledged by ${r.acknowledgedBy}.`)),
  );
  escalate.addEventListener('click', () => void makeChange<{ fromLevel: number }>(ctx, escalate, 'escalate', {}, (r) => `Escalated past level ${r.fromLevel}: the next level is being paged.`));

  const snoozeForm = h('form', { class: 'inline', id: 'snooze-form' }, h('label', { for: 'snooze-minutes' }, 'Snooze for (minutes)'), minutes, snooze);
  snoozeForm.addEventListener('submit', (event) => {
    event.preventDefault();
    void makeChange<{ snoozedUntil: string }>(ctx, snooze, 'snooze', { minutes: minutes.valueAsNumber }, (r) => `Snoozed until ${inViewerZone(r.snoozedUntil)}.`);
  });

  const resolveForm = h('form', { class: 'inline', id: 'resolve-form' }, h('label', { for: 'resolve-note' }, 'Resolution note (optional)'), note, resolve);
  resolveForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const text = note.value.trim();
    void makeChange<ResolveResult>(ctx, resolve, 'resolve', text ? { note: text } : {}, (r) => (r.alreadyDone ? `Already resolved by ${r.resolvedBy}.` : `Resolved by ${r.resolvedBy}.`));
  });

  const element = section('actions', 'Actions', h('div', { class: 'buttons' }, acknowledge, escalate), snoozeForm, resolveForm, closed);
  return {
    element,
    update(state) {
      const isClosed = state.status === 'resolved';
      for (const control of [acknowledge, escalate, minutes, snooze, note, resolve]) control.disabled = isClosed;
      closed.hidden = !isClosed;
    },
  };
}

import type { IncidentState } from '../core/incident/state';
import type { ReviewAction, ReviewFindings, ReviewState } from '../core/reviews/review';
import { ApiError, incidentPath, postJson, putJson } from './api';
import { sendChange, type ChangeContext } from './changes';
import { definitions, h, replaceChildren, section, table, type Child, type Definition } from './dom';
import { failureNotice } from './failure';
import { countdown, inZone, viewerZone, when } from './time';

/** `GET /v1/incidents/<id>/review` (client/api/reviews.ts): the review, and who besides its owner may change it. */
export interface ReviewAnswer {
  review: ReviewState;
  commanders: string[];
}

const figure = (minutes: number | undefined): string | undefined => (minutes === undefined ? undefined : `${new Intl.NumberFormat().format(minutes)} min`);

/** Where the review stands, whose it is, and when it is due (in the viewer's zone, named). */
function standing(r: ReviewState): HTMLElement {
  const open = r.status === 'owed' || r.status === 'late';
  const rows: Definition[] = [
    ['Status', h('strong', { class: `review-status-${r.status}` }, r.status), 'review-status'],
    ['Owner', r.owner, 'review-owner'],
    ['Due', [inZone(r.dueAt, viewerZone()), ...(open ? [' — ', countdown(r.dueAt)] : [])], 'review-due'],
    ['Submitted', r.submittedAt ? [when(r.submittedAt), ` by ${r.submittedBy ?? 'unknown'}`] : 'not yet'],
  ];
  if (r.completedAt) rows.push(['Complete', when(r.completedAt)]);
  if (r.reminders) rows.push(['Reminders sent', String(r.reminders)]);
  return definitions(rows, { class: open ? 'review-open' : undefined });
}

/** The record the review starts from: the incident's figures, as its evidence pack gives them. */
function record(r: ReviewState): Child[] {
  const c = r.record;
  const clocks = c.clocks.map((k) =>
    h('li', {}, `${k.obligation}: due `, when(k.dueAt), ...(k.filedAt ? [', filed ', when(k.filedAt), k.met ? ' (met)' : ' (missed)'] : [` (${k.status}, not filed)`])),
  );
  const containment = c.containment.map((a) => h('li', {}, `${a.action} ${a.kind}: ${a.status}`, a.appliedAt ? h('span', {}, ', applied ', when(a.appliedAt)) : null));
  return [
    h('h3', {}, 'What the record says'),
    definitions([
      ['Time to acknowledge', figure(c.minutesToAcknowledge)],
      ['Time to contain', figure(c.minutesToContain)],
      ['Time to notify', figure(c.minutesToNotify)],
      ['Escalations', String(c.escalations)],
      ['Fail-overs', String(c.failovers)],
      ['Legal clocks', clocks.length ? h('ul', {}, ...clocks) : 'none'],
      ['Containment', containment.length ? h('ul', {}, ...containment) : 'none'],
    ]),
  ];
}

const items = (list: string[]): Child => (list.length ? h('ul', {}, ...list.map((i) => h('li', {}, i))) : undefined);

function findings(f: ReviewFindings | undefined): Child[] {
  if (!f) return [h('h3', {}, 'Findings'), h('p', { id: 'review-findings' }, 'Not submitted yet.')];
  return [
    h('h3', {}, 'Findings'),
    definitions(
      [
        ['Summary', f.summary],
        ['Root cause', f.rootCause],
        ['Contributing factors', items(f.contributingFactors)],
        ['What went well', items(f.wentWell)],
        ['What went badly', items(f.wentBadly)],
      ],
      { id: 'review-findings' },
    ),
  ];
}

function markDone(ctx: ChangeContext, a: ReviewAction): HTMLButtonElement {
  const button = h('button', { type: 'button', class: 'action-done', 'aria-label': `Mark done: action ${a.n}` }, 'Mark done');
  const path = incidentPath(ctx.incidentId, `/review/actions/${a.n}`);
  button.addEventListener('click', () => void sendChange<{ action: ReviewAction }>(ctx, button, () => postJson(path, { done: true }), (r) => `Action ${r.action.n} done.`));
  return button;
}

function actionStatus(a: ReviewAction): Child[] {
  if (a.status === 'done') return ['done', ...(a.doneAt ? [' ', when(a.doneAt)] : []), a.doneBy ? ` by ${a.doneBy}` : ''];
  return [a.overdueAt ? 'open, overdue' : 'open'];
}

/** The actions, with a "Mark done" button on those `mayClose` allows (the review's owner or a commander: all; an action's owner: their own). */
function actions(r: ReviewState, ctx: ChangeContext, mayClose: (a: ReviewAction) => boolean): Child[] {
  if (r.actions.length === 0) return [h('h3', {}, 'Follow-up actions'), h('p', {}, 'No follow-up action yet.')];
  const rows = r.actions.map((a) =>
    h(
      'tr',
      { 'data-action': a.n, class: a.status === 'open' && a.overdueAt ? 'overdue' : undefined },
      h('td', {}, String(a.n)),
      h('td', {}, a.title),
      h('td', {}, a.owner),
      h('td', {}, inZone(a.dueAt, viewerZone())),
      h('td', { class: `action-status status-${a.status}` }, ...actionStatus(a)),
      h('td', {}, a.status === 'open' && mayClose(a) ? markDone(ctx, a) : '—'),
    ),
  );
  return [h('h3', {}, 'Follow-up actions'), table('review-actions', 'Follow-up actions', ['#', 'Action', 'Owner', 'Due', 'Status', 'Done'], rows)];
}

const lines = (text: string): string[] =>
  text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);

/** A labelled text field of a review form, with its hint. */
function field(id: string, label: string, control: HTMLInputElement | HTMLTextAreaElement, hint?: string): HTMLElement {
  control.id = id;
  if (hint) control.setAttribute('aria-describedby', `${id}-hint`);
  return h('div', { class: 'field' }, h('label', { for: id }, label), control, hint ? h('small', { id: `${id}-hint`, class: 'hint' }, hint) : null);
}

const textArea = (max: number, rows: number, required = false) => h('textarea', { rows, maxlength: max, required, autocomplete: 'off' });

/** The owner's write-up (PUT …/review); submitting again replaces the findings. Filled with those already submitted. */
function findingsForm(ctx: ChangeContext, submitted: ReviewFindings | undefined): HTMLFormElement {
  const summary = textArea(3000, 4, true);
  const rootCause = textArea(3000, 3, true);
  const factors = textArea(10_000, 3);
  const wentWell = textArea(10_000, 3);
  const wentBadly = textArea(10_000, 3);
  if (submitted) {
    summary.value = submitted.summary;
    rootCause.value = submitted.rootCause;
    factors.value = submitted.contributingFactors.join('\n');
    wentWell.value = submitted.wentWell.join('\n');
    wentBadly.value = submitted.wentBadly.join('\n');
  }
  const submit = h('button', { type: 'submit', id: 'review-submit' }, 'Submit the review');
  const form = h(
    'form',
    { id: 'review-form', class: 'stacked', 'aria-labelledby': 'review-form-heading' },
    h('h3', { id: 'review-form-heading' }, 'Write the review'),
    field('review-summary', 'Summary', summary),
    field('review-root-cause', 'Root cause', rootCause),
    field('review-factors', 'Contributing factors', factors, 'One per line.'),
    field('review-went-well', 'What went well', wentWell, 'One per line.'),
    field('review-went-badly', 'What went badly', wentBadly, 'One per line.'),
    h('div', { class: 'buttons' }, submit),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const body = { summary: summary.value, rootCause: rootCause.value, contributingFactors: lines(factors.value), wentWell: lines(wentWell.value), wentBadly: lines(wentBadly.value) };
    void sendChange<{ review: ReviewState }>(ctx, submit, () => putJson(incidentPath(ctx.incidentId, '/review'), body), (r) => `Review submitted: it is now ${r.review.status}.`);
  });
  return form;
}

/** The end of a calendar day in the viewer's zone, as an instant: a due date means "by the end of that day". */
function endOfDay(date: string): string {
  const [y, m, d] = date.split('-').map(Number);
  return new Date(y, m - 1, d, 23, 59, 59).toISOString();
}

/** A follow-up action (POST …/review/actions): a title, a responder of the policy who owns it, a due date. */
function actionForm(ctx: ChangeContext): HTMLFormElement {
  const title = h('input', { type: 'text', maxlength: 200, required: true, autocomplete: 'off' });
  const owner = h('input', { type: 'text', maxlength: 64, required: true, autocomplete: 'off' });
  const due = h('input', { type: 'date', required: true });
  const add = h('button', { type: 'submit', id: 'review-action-add' }, 'Add the action');
  const form = h(
    'form',
    { id: 'review-action-form', class: 'stacked', 'aria-labelledby': 'review-action-heading' },
    h('h3', { id: 'review-action-heading' }, 'Add a follow-up action'),
    field('review-action-title', 'Action', title),
    field('review-action-owner', 'Owner', owner, 'A responder of the policy, by name.'),
    field('review-action-due', 'Due', due, `By the end of that day in your zone (${viewerZone()}).`),
    h('div', { class: 'buttons' }, add),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const body = { title: title.value, owner: owner.value.trim(), dueAt: endOfDay(due.value) };
    void sendChange<{ action: ReviewAction }>(ctx, add, () => postJson(incidentPath(ctx.incidentId, '/review/actions'), body), (r) => {
      form.reset();
      return `Action ${r.action.n} added: ${r.action.title}, owned by ${r.action.owner}.`;
    });
  });
  return form;
}

/** Why there is no review to show: none is owed yet, it is being prepared, or the API refused (its words). */
function noReview(err: Error, incident: IncidentState, ctx: ChangeContext): Child[] {
  if (!(err instanceof ApiError && err.status === 404)) return [failureNotice(err)];
  if (incident.status !== 'resolved') return [h('p', { id: 'review-none' }, 'A review is owed once the incident is resolved (a false positive owes none).')];
  const again = h('button', { type: 'button', id: 'review-check' }, 'Check again');
  again.addEventListener('click', () => void ctx.reload());
  return [h('p', { id: 'review-none' }, `No review to show yet: ${err.message}`), h('p', {}, again)];
}

/**
 * `section#review`, the post-incident review: where it stands, the record it starts from, its
 * findings and follow-up actions. Its owner or an incident commander (by the token's responder)
 * gets the forms, built once and kept across reloads, so a refused write-up keeps its text; the
 * review workflow still decides, and its refusal is shown as given.
 */
export function reviewPart(ctx: ChangeContext, responder: string | undefined): { element: HTMLElement; update(answer: ReviewAnswer | Error, incident: IncidentState): void } {
  const view = h('div', {}, h('p', {}, 'Loading…'));
  const forms = h('div', { class: 'review-forms', hidden: true });
  let built = false;
  const element = section('review', 'Post-incident review', view, forms);
  return {
    element,
    update(answer, incident) {
      if (answer instanceof Error) {
        forms.hidden = true;
        return replaceChildren(view, ...noReview(answer, incident, ctx));
      }
      const { review, commanders } = answer;
      const mayChange = responder !== undefined && (responder === review.owner || commanders.includes(responder));
      const who = `its owner (${review.owner})${commanders.length ? ` or an incident commander (${commanders.join(', ')})` : ''}`;
      replaceChildren(
        view,
        standing(review),
        ...record(review),
        ...findings(review.findings),
        ...actions(review, ctx, (a) => mayChange || (responder !== undefined && a.owner === responder)),
        responder !== undefined && !mayChange ? h('p', { class: 'muted', id: 'review-not-yours' }, `Only ${who} may write this review and its actions; an action's owner may mark it done.`) : null,
      );
      if (mayChange && !built) {
        replaceChildren(forms, findingsForm(ctx, review.findings), actionForm(ctx));
        built = true;
      }
      forms.hidden = !mayChange;
    },
  };
}

import type { ReviewSummary } from '../client/reviews';
import { getJson } from './api';
import { h, replaceChildren, table } from './dom';
import { showFailurePage } from './failure';
import { Poller } from './poller';
import { consolePath } from './routes';
import { deadline, refreshCountdowns, when } from './time';

/** Reviews move in days: a new one shows within this. */
const POLL_MS = 15_000;

function row(r: ReviewSummary): HTMLTableRowElement {
  return h(
    'tr',
    { 'data-incident-id': r.incidentId, class: r.status === 'late' ? 'overdue' : undefined },
    h('td', {}, h('a', { href: `${consolePath.incident(r.incidentId)}#review` }, r.incidentId)),
    h('td', { class: `status review-status-${r.status}` }, r.status),
    h('td', {}, r.tenant ?? '—'),
    h('td', {}, when(r.startedAt)),
    h('td', { class: 'deadline' }, r.nearestActionDue ? deadline(r.nearestActionDue) : 'none open'),
  );
}

const HEADINGS = ['Incident', 'Review', 'Tenant', 'Resolved', 'Nearest action due'];

function reviewsView(open: ReviewSummary[], overdue: ReviewSummary[]): HTMLElement {
  const owed = open.filter((r) => r.status === 'owed' || r.status === 'late');
  const late = owed.filter((r) => r.status === 'late').length;
  return h(
    'div',
    {},
    h('h2', {}, 'Reviews owed'),
    owed.length
      ? table('reviews-owed', `${owed.length} review${owed.length === 1 ? '' : 's'} not yet submitted${late ? `, ${late} late` : ''}`, HEADINGS, owed.map(row))
      : h('p', { id: 'no-reviews-owed' }, 'Every resolved incident has its review submitted.'),
    h('h2', {}, 'Follow-up actions overdue'),
    overdue.length
      ? table('reviews-overdue', `${overdue.length} review${overdue.length === 1 ? '' : 's'} with an action past its due date`, HEADINGS, overdue.map(row))
      : h('p', { id: 'no-actions-overdue' }, 'No follow-up action is past its due date.'),
  );
}

/** `/console/reviews`: post-incident reviews owed or late, and those with follow-up actions overdue (GET /v1/reviews). */
export function showReviewsPage(main: HTMLElement): void {
  const updated = h('p', { id: 'reviews-updated', class: 'muted' }, 'Loading…');
  const problem = h('div');
  const body = h('div');
  replaceChildren(main, h('h1', {}, 'Post-incident reviews'), updated, problem, body);
  document.title = 'Post-incident reviews · Klaxon console';
  new Poller({
    read: () =>
      Promise.all([getJson<{ reviews: ReviewSummary[] }>('/v1/reviews'), getJson<{ reviews: ReviewSummary[] }>('/v1/reviews?overdue=true')]).then(([open, overdue]) => ({
        open: open.reviews,
        overdue: overdue.reviews,
      })),
    show({ open, overdue }) {
      replaceChildren(body, reviewsView(open, overdue));
      refreshCountdowns(body);
    },
    updated,
    problem,
    stopped: (err) => showFailurePage(main, 'Post-incident reviews', err),
    intervalMs: POLL_MS,
  }).restart();
}

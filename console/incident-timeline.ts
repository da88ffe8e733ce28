import type { LedgerEvent } from '../ledger/event';
import type { IncidentVerifyResult } from '../ledger/store';
import { h, section } from './dom';
import { failureNotice } from './failure';
import { when } from './time';

/** `GET /v1/incidents/<id>/timeline`. */
export interface Timeline {
  incidentId: string;
  events: LedgerEvent[];
  verified: IncidentVerifyResult;
}

/** What the loader could tell the section: the timeline, a refusal, or that the token may not read it. */
export type TimelineAnswer = Timeline | Error | 'no-scope';

const count = new Intl.NumberFormat();

function chainStatus(v: IncidentVerifyResult): HTMLElement {
  if (v.ok) {
    const substitutes = v.substitutes?.length ? ` (${count.format(v.substitutes.length)} event(s) the database refused are recorded as substitutes)` : '';
    return h('p', { id: 'chain-status', class: 'chain-ok' }, `Chain verified: ${count.format(v.checked)} event(s) checked, every hash and link matches${substitutes}.`);
  }
  const at = v.firstBroken ? ` at event ${v.firstBroken.seq}: ${v.firstBroken.reason}` : '';
  return h('p', { id: 'chain-status', class: 'chain-broken', role: 'alert' }, h('strong', {}, `Chain broken${at}.`), ' The record may have been altered.');
}

function event(e: LedgerEvent): HTMLElement {
  const actor = `${e.actor.name} (${e.actor.type}${e.actor.via ? `, via ${e.actor.via}` : ''})`;
  return h(
    'li',
    { class: 'event', 'data-seq': e.seq },
    h('p', { class: 'event-head' }, h('span', { class: 'seq' }, `#${e.seq}`), ' ', h('strong', { class: 'kind' }, e.kind), ' · ', when(e.occurredAt, true), ' · ', actor),
    h('details', {}, h('summary', {}, 'Payload'), h('pre', {}, JSON.stringify(e.payload, null, 2))),
    h('p', { class: 'hash-line' }, 'Hash ', h('code', { class: 'hash' }, e.hash)),
  );
}

/** `section#timeline`: the ledger's events of the incident, oldest first, with each hash and whether the chain verifies. */
export function timelineSection(answer: TimelineAnswer): HTMLElement {
  const title = 'Audit timeline';
  if (answer === 'no-scope') return section('timeline', title, h('p', {}, 'Your token lacks the audit:read scope, so the audit timeline is not shown.'));
  if (answer instanceof Error) return section('timeline', title, failureNotice(answer));
  return section('timeline', title, chainStatus(answer.verified), h('ol', { class: 'timeline' }, ...answer.events.map(event)));
}

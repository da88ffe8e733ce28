import type { IncidentState } from '../core/incident/state';
import type { ClocksView } from '../core/regulation/clock-view';
import type { Draft } from '../core/regulation/drafts';
import { ApiError, getJson, incidentPath } from './api';
import type { ChangeContext } from './changes';
import { h, replaceChildren } from './dom';
import { showFailurePage } from './failure';
import { Feedback } from './feedback';
import { actionsSection } from './incident-actions';
import { clocksSection } from './incident-clocks';
import { containmentSection } from './incident-containment';
import { drillBanner } from './drill-banner';
import { draftsSection } from './incident-drafts';
import { escalationSection } from './incident-escalation';
import { evidenceSection } from './incident-evidence';
import { reviewPart, type ReviewAnswer } from './incident-review';
import { summarySection } from './incident-summary';
import { timelineSection, type Timeline, type TimelineAnswer } from './incident-timeline';
import { canAudit, canWrite, showWho, type Me } from './me';
import { refreshCountdowns, viewerZone } from './time';

/** A part of the page that failed on its own is shown failed there; the rest of the page stands. */
const settled = <T>(p: Promise<T>): Promise<T | Error> => p.catch((err: unknown) => (err instanceof Error ? err : new Error(String(err))));

/** The ledger's timeline, or that the token may not read it (403: it lacks audit:read). */
const timelineOf = (incidentId: string): Promise<TimelineAnswer> =>
  getJson<Timeline>(incidentPath(incidentId, '/timeline')).catch((err: unknown) => (err instanceof ApiError && err.status === 403 ? 'no-scope' : err instanceof Error ? err : new Error(String(err))));

/**
 * `/console/incidents/<id>`: everything about one incident, read from the API in parallel with
 * who the token is (state and clocks, drafts, and the ledger's timeline, which a token without
 * audit:read is refused), and read again after every change made from the page.
 */
export async function showIncidentPage(main: HTMLElement, incidentId: string, asked: Promise<Me>): Promise<void> {
  const feedback = new Feedback();
  const ctx: ChangeContext = { incidentId, feedback, reload: () => load() };
  /** Decided at the first load, once the token is known: a write token's buttons. */
  let actions: ReturnType<typeof actionsSection> | undefined;
  /** Likewise the review's section: its forms keep what was typed across reloads. */
  let review: ReturnType<typeof reviewPart> | undefined;
  let me: Me | undefined;
  const title = h('h1', {}, incidentId);
  const sections = h('div', { class: 'sections' }, h('p', {}, 'Loading…'));
  /** The sections on the page, in order; each load replaces them one by one (see below). */
  let parts: HTMLElement[] = [];

  async function load(): Promise<void> {
    const [who, incident, drafts, timeline, reviewed] = await Promise.all([
      settled(asked),
      settled(getJson<{ incident: IncidentState; clocks: ClocksView }>(incidentPath(incidentId, `?${new URLSearchParams({ tz: viewerZone() })}`))),
      settled(getJson<{ drafts: Draft[] }>(incidentPath(incidentId, '/drafts')).then((r) => r.drafts)),
      timelineOf(incidentId),
      settled(getJson<ReviewAnswer>(incidentPath(incidentId, '/review'))),
    ]);
    const ended = [who, incident, drafts, timeline, reviewed].find((r) => r instanceof ApiError && r.sessionEnded);
    if (ended) return showFailurePage(main, 'Incident', ended);
    if (who instanceof Error) return showFailurePage(main, 'Klaxon console', who);
    if (!me) {
      me = who;
      showWho(me);
      actions = canWrite(me) ? actionsSection(ctx) : undefined;
      review = reviewPart(ctx, canWrite(me) ? me.responder : undefined);
    }
    if (incident instanceof Error) {
      // Unknown, or another tenant's (the API answers both alike): a page of its own, before or after a change.
      const notFound = incident instanceof ApiError && incident.status === 404;
      return showFailurePage(main, notFound ? 'Incident not found' : 'The incident could not be shown', incident);
    }
    const { incident: state, clocks } = incident;
    replaceChildren(title, state.title);
    document.title = `${state.title} · Klaxon console`;
    actions?.update(state);
    review!.update(reviewed, state);
    const next = [
      // A drill says so above all else (its id says it too, but not to everyone).
      ...(state.drill ? [drillBanner(state.drill, canAudit(me))] : []),
      summarySection(state),
      ...(actions ? [actions.element] : []),
      escalationSection(state),
      clocksSection(clocks),
      draftsSection(drafts, feedback),
      containmentSection(state.containment ?? [], actions ? ctx : undefined),
      review!.element,
      timelineSection(timeline),
      evidenceSection(incidentId, canAudit(me)),
    ];
    if (parts.length === 0) {
      replaceChildren(sections, ...next);
      replaceChildren(main, title, sections, feedback.element);
    } else {
      // Section by section, leaving the Actions and review sections where they are: taking one out
      // of the document, even for a moment, would drop the keyboard focus from the button just used.
      next.forEach((el, i) => el !== parts[i] && parts[i].replaceWith(el));
    }
    parts = next;
    refreshCountdowns(main);
  }

  await load();
}

import { CONTAINMENT_KINDS } from '../core/containment/containment';
import type { LedgerEvent } from '../ledger/event';
import { isDrillEvent } from '../core/drills/drill';
import { alertToFirstPage, bounded, channelLabel, containmentActions, incidentsOpened, notifications, severityLabel, timeToAcknowledge } from './metrics';

/** When an incident's first events happened (ledger/first-occurrences.ts over the ledger database). */
export type FirstOccurrences = (incidentId: string, kinds: string[]) => Promise<Map<string, Pick<LedgerEvent, 'seq' | 'occurredAt' | 'payload'>>>;

/** The milestones measured from the incident's opening: the first of each kind. */
const MILESTONES = { 'responder.paged': alertToFirstPage, 'incident.acknowledged': timeToAcknowledge } as const;

const CONTAINMENT_STATE = /^containment\.([a-z_]{1,32})$/;

/**
 * The worker's metrics, read from the audit events it has just stored (each counted once: a
 * retried append of a step already written is not observed again). The ledger is where every
 * step of an incident is written, whichever worker ran it, so counting there needs no second
 * instrumentation of the workflow, and counts what the audit trail shows.
 */
export async function observeStoredEvent(event: LedgerEvent, firsts: FirstOccurrences): Promise<void> {
  // A drill's events (under its `drill-…` id) are evidence of the drill, never figures of real incidents.
  if (isDrillEvent(event.incidentId)) return;
  const p = event.payload;
  if (event.kind === 'incident.opened') incidentsOpened.inc({ severity: severityLabel(p.severity as string) });
  // Deliveries are counted as they happen (activities/channels.ts); failures once, here.
  else if (event.kind === 'page.failed') notifications.inc({ channel: 'slack', outcome: 'failed' });
  else if (event.kind === 'notification.failed') {
    // The failover names the next channel, or says none is left.
    const outcome = typeof p.failover === 'string' && p.failover.startsWith('none') ? 'failed' : 'failed_over';
    notifications.inc({ channel: channelLabel(p.channel as string), outcome });
  } else if (event.kind === 'notification.cancelled' && Array.isArray(p.pending)) {
    for (const n of p.pending as Array<{ channel?: string }>) notifications.inc({ channel: channelLabel(n.channel), outcome: 'cancelled' });
  }
  const state = CONTAINMENT_STATE.exec(event.kind)?.[1];
  if (state) containmentActions.inc({ kind: bounded((p.spec as { kind?: string } | undefined)?.kind, CONTAINMENT_KINDS), state });
  const milestone = MILESTONES[event.kind as keyof typeof MILESTONES];
  if (milestone) await observeMilestone(event, milestone, firsts);
}

async function observeMilestone(event: LedgerEvent, histogram: (typeof MILESTONES)[keyof typeof MILESTONES], firsts: FirstOccurrences): Promise<void> {
  const found = await firsts(event.incidentId, ['incident.opened', event.kind]);
  const opened = found.get('incident.opened');
  // Only the incident's first of its kind is a milestone; an incident opened before the ledger
  // held it (or purged) has nothing to measure from.
  if (!opened || found.get(event.kind)?.seq !== event.seq) return;
  const seconds = (Date.parse(event.occurredAt) - Date.parse(opened.occurredAt)) / 1000;
  if (seconds >= 0) histogram.observe({ severity: severityLabel(opened.payload.severity as string) }, seconds);
}

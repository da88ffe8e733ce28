// Workflow-safe: workflow code imports this module; keep Node-only modules out (test/workflow/bundle.test.ts).
import type { Alert } from '../alerts/alert';
import type { AuditPayload } from '../audit/events';
import type { DrillFacts, Inject } from './drill';

/**
 * A drill's injects as the incident meets them: a channel down or a responder silent for a
 * window makes a notification fail without its activity being called, and each inject is
 * recorded once (`drill.inject`) when its time comes. Injects are kept in order of their start
 * (core/drills/scenario.ts), so "recorded so far" is a count.
 */

/** When an inject takes effect. */
export const injectStart = (i: Inject): number => Date.parse(i.kind === 'alert' ? i.at : i.from);

const within = (nowMs: number, from: string, until?: string): boolean => Date.parse(from) <= nowMs && (until === undefined || nowMs < Date.parse(until));

/**
 * Why a notification of `responder` on `channel` fails at `nowMs` in this drill, or undefined
 * when it goes out as usual (always, for a real incident).
 */
export function injectedFailure(drill: DrillFacts | undefined, channel: string, responder: string, nowMs: number): string | undefined {
  for (const i of drill?.injects ?? []) {
    if (i.kind === 'channel-down' && i.channel === channel && within(nowMs, i.from, i.until)) return `DRILL inject: ${channel} down`;
    if (i.kind === 'responder-silent' && i.responder === responder && within(nowMs, i.from, i.until)) return `DRILL inject: ${responder} silent`;
  }
  return undefined;
}

/** The injects whose time has come and that are not recorded yet, in order. */
export function dueInjects(drill: DrillFacts | undefined, nowMs: number): Inject[] {
  if (!drill) return [];
  const rest = drill.injects.slice(drill.injectsRecorded ?? 0);
  const due = rest.findIndex((i) => injectStart(i) > nowMs);
  return due === -1 ? rest : rest.slice(0, due);
}

/** When the next inject not yet recorded takes effect (the workflow's timer), or undefined. */
export function nextInjectAt(drill: DrillFacts | undefined): number | undefined {
  const next = drill?.injects[drill.injectsRecorded ?? 0];
  return next ? injectStart(next) : undefined;
}

/** What the ledger says of an inject. */
export function injectRecord(i: Inject): AuditPayload<'drill.inject'> {
  switch (i.kind) {
    case 'channel-down':
      return { kind: i.kind, channel: i.channel, from: i.from, until: i.until };
    case 'responder-silent':
      return { kind: i.kind, responder: i.responder, from: i.from, ...(i.until ? { until: i.until } : {}) };
    case 'alert':
      return { kind: i.kind, from: i.at };
  }
}

/**
 * An alert inject as the alert it delivers, the `n`th inject of the drill: into the drill's
 * own incident (its dedup key is the drill id), classified like the scenario's first alert.
 */
export function injectAlert(s: { incidentId: string; tenant: string; service: string; surfaces: string[]; jurisdictions: string[]; drill?: DrillFacts }, i: Extract<Inject, { kind: 'alert' }>, n: number): Alert {
  return {
    source: 'drill',
    title: i.title,
    severity: i.severity,
    dedupKey: s.incidentId,
    tenant: s.tenant,
    dataCategories: i.dataCategories ?? [],
    details: { inject: n },
    deliveryId: `${s.incidentId}/inject/${n}`,
    receivedAt: i.at,
    classification: { service: s.service, surfaces: s.surfaces, jurisdictions: s.jurisdictions, rule: `drill:${s.drill?.scenario ?? ''}` },
  };
}

// Workflow-safe: workflow code imports this module; keep Node-only modules out (test/workflow/bundle.test.ts).
import { describeSpec, type ContainmentAction } from '../containment/containment';
import type { IncidentState } from '../incident/incident';
import type { ClockNotice } from '../regulation/legal-clocks';
import { obligationById } from '../regulation/regimes';
import { drillMarked } from '../drills/drill';

/**
 * A PagerDuty page apart from the incident's own: a legal clock gone overdue, a containment
 * action or undo that keeps failing. Its own dedup key, so it is resolved on its own when
 * what it is about is settled.
 */
export interface Alarm {
  dedupKey: string;
  summary: string;
  /** When it became true (the deadline, the failure). */
  timestamp: string;
  component: string;
  class: string;
  details: Record<string, unknown>;
}

export const clockAlarmKey = (incidentId: string, obligation: string): string => `${incidentId}/clock/${obligation}`;
export const containmentAlarmKey = (incidentId: string, actionId: string): string => `${incidentId}/containment/${actionId}`;

export function clockAlarm(s: IncidentState, notice: ClockNotice): Alarm {
  const o = obligationById(notice.obligation);
  return {
    dedupKey: clockAlarmKey(s.incidentId, o.id),
    summary: drillMarked(s, 'pagerduty', `OVERDUE: ${o.regime} ${o.title} for ${s.incidentId} (${s.tenant}), due ${notice.dueAt}`),
    timestamp: notice.dueAt,
    component: o.id,
    class: 'regulatory deadline',
    details: { incident: s.incidentId, obligation: o.id, recipient: o.recipient, dueAt: notice.dueAt, source: o.source, lateNeedsReasons: o.lateNeedsReasons },
  };
}

export function containmentAlarm(s: IncidentState, a: ContainmentAction): Alarm {
  const what = a.status === 'undo-failed' ? 'undo failed' : 'failed';
  return {
    dedupKey: containmentAlarmKey(s.incidentId, a.id),
    summary: drillMarked(s, 'pagerduty', `Containment ${what}: ${a.id} ${describeSpec(a.spec, a.tenant)} for ${s.incidentId}: ${a.failure ?? ''}`),
    timestamp: a.failedAt ?? s.openedAt,
    component: a.spec.kind,
    class: 'containment',
    details: { incident: s.incidentId, action: a.id, spec: a.spec, tenant: a.tenant, status: a.status, failure: a.failure },
  };
}

import { incidentFigures } from '../audit/evidence';
import type { IncidentState } from '../incident/state';

/**
 * What the record says before anyone writes a word: the review's pre-filled "what happened",
 * from the incident's state at resolution, with the same figures as its evidence pack
 * (core/audit/evidence.ts), so the review and the pack never disagree.
 */
export interface ReviewRecord {
  minutesToAcknowledge?: number;
  minutesToContain?: number;
  minutesToNotify?: number;
  /** Levels of the ladder paged beyond the first (every pass and re-trigger counted). */
  escalations: number;
  /** Notifications that failed and handed over to the responder's next channel. */
  failovers: number;
  /** Every legal clock: its deadline, when (if) it was filed, and whether that met it. */
  clocks: Array<{ obligation: string; dueAt: string; filedAt?: string; met?: boolean; status: string }>;
  /** Every containment action and how it ended. */
  containment: Array<{ action: string; kind: string; status: string; appliedAt?: string }>;
}

export function reviewRecord(s: IncidentState): ReviewRecord {
  const paged = (s.levels ?? []).filter((l) => !l.skipped);
  const failovers = s.pages.reduce((n, p) => n + (p.failed ? 1 : 0) + (p.notifications ?? []).filter((x) => x.failed).length, 0);
  return {
    ...incidentFigures(s),
    escalations: Math.max(0, paged.length - 1),
    failovers,
    clocks: (s.clocks ?? []).map((c) => ({
      obligation: c.obligation,
      dueAt: c.dueAt,
      status: c.status,
      ...(c.filing ? { filedAt: c.filing.filedAt, met: !c.filing.late } : {}),
    })),
    containment: (s.containment ?? []).map((a) => ({ action: a.id, kind: a.spec.kind, status: a.status, ...(a.appliedAt ? { appliedAt: a.appliedAt } : {}) })),
  };
}

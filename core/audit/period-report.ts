import type { Severity } from '../alerts/severity';
import { incidentFigures } from './evidence';
import type { IncidentState } from '../incident/incident';
import type { Policy } from '../policy/policy';

/** Response-time figures of a period, per severity: what an auditor samples across incidents. */
export interface PeriodReport {
  from: string;
  to: string;
  incidents: number;
  bySeverity: Array<{
    severity: Severity;
    incidents: number;
    /** Median and worst, in minutes, over the incidents that reached that point. */
    acknowledge: Spread;
    contain: Spread;
    notify: Spread;
  }>;
  rows: Array<{ incidentId: string; severity: Severity; tenant: string; status: string; openedAt: string; review: ReviewMark } & ReturnType<typeof incidentFigures>>;
  /** Resolved incidents (false positives aside) whose post-incident review is not complete: what an auditor asks about first (ISO 27001 A.5.27). */
  withoutCompletedReview: string[];
}

/**
 * Where an incident's review stands: a review's status (owed, late, submitted, complete), `none`
 * when it owes one and none was found, `not owed` (still open, a false positive, or a drill whose
 * policy asks none), `unknown` when the reviews were not read.
 */
export type ReviewMark = string;

/**
 * Whether an incident owes a post-incident review (core/reviews/): resolved, not a false positive,
 * and not under a policy of `policies` (the book as configured now, by name) that says
 * `reviews.required: false`: such an incident never gets one, and flagging it would send an
 * auditor after a review nobody was asked to write.
 */
export const owesReview = (s: IncidentState, policies: ReadonlyArray<Pick<Policy, 'name' | 'reviews'>> = []): boolean =>
  s.status === 'resolved' && !s.falsePositive && policies.find((p) => p.name === s.policyName)?.reviews?.required !== false;

export interface Spread {
  count: number;
  medianMinutes?: number;
  maxMinutes?: number;
}

function spread(values: number[]): Spread {
  if (values.length === 0) return { count: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { count: sorted.length, medianMinutes: Math.round(median * 100) / 100, maxMinutes: sorted.at(-1) };
}

/** `reviews`: each incident's review status by incident id (absent: none found); without it, reviews are `unknown`. `policies`: which owe none (owesReview). */
export function periodReport(states: IncidentState[], from: string, to: string, reviews?: ReadonlyMap<string, string>, policies: ReadonlyArray<Pick<Policy, 'name' | 'reviews'>> = []): PeriodReport {
  const markOf = (s: IncidentState): ReviewMark => (!owesReview(s, policies) ? 'not owed' : reviews ? (reviews.get(s.incidentId) ?? 'none') : 'unknown');
  // Drills are listed apart (their workflow type); one that reached here still never counts as a real incident.
  const rows = states.filter((s) => !s.drill).map((s) => ({ incidentId: s.incidentId, severity: s.severity, tenant: s.tenant, status: s.status, openedAt: s.openedAt, review: markOf(s), ...incidentFigures(s) }));
  const severities = [...new Set(rows.map((r) => r.severity))].sort();
  return {
    from,
    to,
    incidents: rows.length,
    bySeverity: severities.map((severity) => {
      const of = rows.filter((r) => r.severity === severity);
      const pick = (k: 'minutesToAcknowledge' | 'minutesToContain' | 'minutesToNotify') => spread(of.flatMap((r) => (r[k] === undefined ? [] : [r[k]!])));
      return { severity, incidents: of.length, acknowledge: pick('minutesToAcknowledge'), contain: pick('minutesToContain'), notify: pick('minutesToNotify') };
    }),
    rows,
    withoutCompletedReview: rows.filter((r) => r.review !== 'not owed' && r.review !== 'complete').map((r) => r.incidentId),
  };
}

export function periodMarkdown(r: PeriodReport): string {
  const fmt = (s: Spread) => (s.count ? `${s.medianMinutes} / ${s.maxMinutes} min (${s.count})` : 'n/a');
  return [
    `# Incident response, ${r.from} to ${r.to}`,
    '',
    `${r.incidents} incident(s) opened in the period. Median / worst minutes (incidents that reached the point).`,
    '',
    '| severity | incidents | to acknowledge | to contain | to notify |',
    '| --- | --- | --- | --- | --- |',
    ...r.bySeverity.map((b) => `| ${b.severity} | ${b.incidents} | ${fmt(b.acknowledge)} | ${fmt(b.contain)} | ${fmt(b.notify)} |`),
    '',
    '| incident | severity | tenant | status | opened | ack | contain | notify | review |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...r.rows.map((x) => `| ${x.incidentId} | ${x.severity} | ${x.tenant} | ${x.status} | ${x.openedAt} | ${x.minutesToAcknowledge ?? ''} | ${x.minutesToContain ?? ''} | ${x.minutesToNotify ?? ''} | ${x.review} |`),
    '',
    r.withoutCompletedReview.length
      ? `**Without a completed post-incident review (${r.withoutCompletedReview.length})**: ${r.withoutCompletedReview.join(', ')}`
      : 'Every resolved incident of the period has a completed post-incident review.',
    '',
  ].join('\n');
}

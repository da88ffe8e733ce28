// Workflow-safe: workflow code imports this module; keep Node-only modules out (test/workflow/bundle.test.ts).
import type { Alert } from './alert';
import { capDetails } from './alert-details';
import { MEMBER_SAMPLE, type BatchMember } from './alert-group';
import type { Severity } from './severity';
import type { UnredactedAlert } from './unredacted-alert';

/**
 * Alerts for one incident key, coalesced on the way in: one signal carries a whole batch, so
 * an alert storm costs a few dozen history events instead of one per alert. The batch keeps
 * every delivery id (for exact, replay-proof counting) but only a bounded sample of alerts.
 */
export interface AlertBatch {
  deliveryIds: string[];
  /** The first alerts of the batch, details capped (see capDetails). */
  sample: Alert[];
  /** The most severe severity in the batch (SEV1 is the most severe). */
  severity: Severity;
  dataCategories: string[];
  surfaces: string[];
  jurisdictions: string[];
  firstReceivedAt: string;
  lastReceivedAt: string;
  /**
   * The sample's alerts as sent, only when the incident's policy keeps them unredacted: the
   * workflow keeps them in its state, and nothing else reads them (core/alerts/unredacted-alert.ts).
   */
  unredacted?: UnredactedAlert[];
  /**
   * The alerts of a notification group, each by fingerprint and start (labels on the first
   * MEMBER_SAMPLE, from the kept details): the group's incident counts and resolves them one
   * by one (core/alerts/alert-group.ts). Absent for alerts that are not members of a group.
   */
  members?: BatchMember[];
}

export const SAMPLE_SIZE = 5;


export function mostSevere(a: Severity, b: Severity): Severity {
  return a < b ? a : b;
}

export function batchAlerts(alerts: Alert[]): AlertBatch {
  if (alerts.length === 0) throw new RangeError('an alert batch needs at least one alert');
  const categories = new Set<string>();
  const surfaces = new Set<string>();
  const jurisdictions = new Set<string>();
  let severity = alerts[0].severity;
  for (const a of alerts) {
    severity = mostSevere(severity, a.severity);
    for (const c of a.dataCategories) categories.add(c);
    for (const x of a.classification?.surfaces ?? []) surfaces.add(x);
    for (const j of a.classification?.jurisdictions ?? []) jurisdictions.add(j);
  }
  return {
    deliveryIds: alerts.map((a) => a.deliveryId),
    sample: alerts.slice(0, SAMPLE_SIZE).map(capDetails),
    severity,
    dataCategories: [...categories],
    surfaces: [...surfaces],
    jurisdictions: [...jurisdictions],
    firstReceivedAt: alerts[0].receivedAt,
    lastReceivedAt: alerts[alerts.length - 1].receivedAt,
    ...(alerts.some((a) => a.member) ? { members: membersOf(alerts) } : {}),
  };
}

function membersOf(alerts: Alert[]): BatchMember[] {
  return alerts.flatMap((a, i) => {
    if (!a.member) return [];
    const labels = a.details.labels;
    const shown = i < MEMBER_SAMPLE && labels && typeof labels === 'object' ? { labels: labels as Record<string, string> } : {};
    return [{ deliveryId: a.deliveryId, fingerprint: a.member.fingerprint, startsAt: a.member.startsAt, ...shown }];
  });
}

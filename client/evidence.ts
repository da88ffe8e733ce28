import { evidenceCsv, evidenceMarkdown, evidencePack, type EvidencePack } from '../core/audit/evidence';
import { owesReview, periodMarkdown, periodReport } from '../core/audit/period-report';
import type { LedgerStore, LedgerVerifySettings } from '../ledger/store';
import { CONFIGURATION_STREAM } from '../ledger/configuration-record';
import { IncidentNotFoundError, type Incidents } from './incidents';
import type { Reviews } from './reviews';
import type { Policy } from '../core/policy/policy';

export type EvidenceFormat = 'json' | 'csv' | 'md';
export const EVIDENCE_FORMATS: EvidenceFormat[] = ['json', 'csv', 'md'];

/**
 * One incident's evidence pack: its state from Temporal, its record and verification from the
 * ledger, and the configuration records of the policy versions it pinned.
 */
export async function incidentEvidence(incidents: Incidents, ledger: LedgerStore, incidentId: string, now: Date, verify: LedgerVerifySettings = {}, reviews?: Reviews): Promise<EvidencePack> {
  const [state, events, verification, configuration, review] = await Promise.all([
    incidents.state(incidentId),
    ledger.timeline(incidentId),
    ledger.verify(incidentId, verify),
    ledger.timeline(CONFIGURATION_STREAM),
    reviews?.show(incidentId).catch((err: unknown) => {
      if (err instanceof IncidentNotFoundError) return undefined;
      throw err;
    }),
  ]);
  return evidencePack(state, events, verification, now.toISOString(), { stream: CONFIGURATION_STREAM, events: configuration }, review);
}

export function renderEvidence(pack: EvidencePack, format: EvidenceFormat): string {
  return format === 'csv' ? evidenceCsv(pack) : format === 'md' ? evidenceMarkdown(pack) : JSON.stringify(pack, null, 2);
}

/** The response-time report of the incidents opened between `from` and `to`; `policies` say which owe no review (`reviews.required: false`). */
export async function periodEvidence(incidents: Incidents, from: Date, to: Date, format: EvidenceFormat, tenants?: string[], reviews?: Reviews, policies: readonly Policy[] = []): Promise<string> {
  const listed = await incidents.list({ openedFrom: from, openedTo: to, ...(tenants ? { tenants } : {}) }, 10_000);
  const states = await Promise.all(listed.map((r) => incidents.state(r.incidentId)));
  // Each owed review's status from visibility (no worker needed, also for closed reviews).
  const marks = reviews && new Map((await Promise.all(states.filter((s) => owesReview(s, policies)).map(async (s) => [s.incidentId, await reviews.statusOf(s.incidentId)] as const))).flatMap(([id, st]) => (st ? [[id, st] as const] : [])));
  const report = periodReport(states, from.toISOString(), to.toISOString(), marks, policies);
  if (format === 'md') return periodMarkdown(report);
  if (format === 'csv') {
    const header = 'incident,severity,tenant,status,opened,minutes_to_acknowledge,minutes_to_contain,minutes_to_notify,review';
    return `${[header, ...report.rows.map((r) => [r.incidentId, r.severity, r.tenant, r.status, r.openedAt, r.minutesToAcknowledge ?? '', r.minutesToContain ?? '', r.minutesToNotify ?? '', r.review].join(','))].join('\n')}\n`;
  }
  return JSON.stringify(report, null, 2);
}

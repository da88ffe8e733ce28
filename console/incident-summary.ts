import type { IncidentState } from '../core/incident/state';
import { definitions, listText, section, type Definition } from './dom';
import { when } from './time';

/** Who holds the incident now: who acknowledged it, else whom it was handed to, else nobody yet. */
function heldBy(s: IncidentState): string {
  if (s.acknowledgedBy) return `${s.acknowledgedBy} (acknowledged)`;
  if (s.assignedTo) return `${s.assignedTo} (assigned)`;
  return s.status === 'resolved' ? 'nobody (resolved)' : 'nobody yet';
}

/** `section#summary`: what the incident is about and where it stands. */
export function summarySection(s: IncidentState): HTMLElement {
  const rows: Definition[] = [
    ['Incident', s.incidentId],
    ['Severity', s.severity],
    ['Tenant', s.tenant],
    ['Service', s.service],
    ['Data categories', listText(s.dataCategories)],
    ['Surfaces', listText(s.surfaces)],
    ['Jurisdictions', listText(s.jurisdictions)],
    ['Status', s.status, 'status'],
    ['Held by', heldBy(s)],
    ['Opened at', when(s.openedAt)],
    ['Alerts', new Intl.NumberFormat().format(s.alertCount)],
  ];
  if (s.status === 'snoozed' && s.snoozedUntil) rows.push(['Snoozed until', when(s.snoozedUntil)]);
  if (s.resolvedAt) rows.push(['Resolved', [when(s.resolvedAt), ` by ${s.resolvedBy ?? 'unknown'}`, s.resolveNote ? `: ${s.resolveNote}` : '']]);
  if (s.triage) rows.push(['Triage', s.triage]);
  return section('summary', 'Summary', definitions(rows));
}

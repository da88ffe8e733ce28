import type { IncidentState } from '../incident/incident';
import type { ClockNotice } from '../regulation/legal-clocks';
import type { Obligation } from '../regulation/regimes';
import { redact } from '../shared/redaction';
import { drillMarked } from '../drills/drill';

export interface EmailMessage {
  subject: string;
  text: string;
  html: string;
}

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * Header values come from alerts: no line break of any kind (CR, LF, NEL, VT, FF, U+2028/9)
 * nor any other control character may reach a header (no header injection).
 */
const oneLine = (s: string): string => s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').trim();

/** A titled table of facts and the command to act, as plain text and HTML (also a review reminder's, core/reviews/review-messages.ts). */
export function render(subject: string, title: string, rows: Array<[string, string]>, act: string): EmailMessage {
  return {
    subject: oneLine(subject).slice(0, 200),
    text: [title, '', ...rows.map(([k, v]) => `${k}: ${v}`), '', act, ''].join('\n'),
    html: [
      `<h2>${escapeHtml(title)}</h2>`,
      '<table>',
      ...rows.map(([k, v]) => `<tr><th align="left">${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`),
      '</table>',
      `<p><code>${escapeHtml(act)}</code></p>`,
    ].join('\n'),
  };
}

export const utc = (iso: string): string => `${iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, '')} UTC`;

/**
 * The page as an email, for responders reached by email and for the executives and legal
 * readers who live there. Redacted like every page; times in UTC, named.
 */
export function emailMessage(s: IncidentState, paged: { responder: string; level: number }): EmailMessage {
  const title = oneLine(redact(s.title));
  return render(
    drillMarked(s, 'email', `[Klaxon ${s.severity}] ${s.tenant}: ${title}`),
    title,
    [
      ['Incident', s.incidentId],
      ['Status', s.status],
      ['Severity', s.severity],
      ['Tenant', s.tenant],
      ['Data categories', s.dataCategories.join(', ') || 'none reported'],
      ['Paged', `${paged.responder} (level ${paged.level})`],
      ['Opened', utc(s.openedAt)],
      ['Alerts', String(s.alertCount)],
    ],
    `Acknowledge: klaxon ack ${s.incidentId} --as ${paged.responder}`,
  );
}

/** A legal clock's reminder, deadline or owed follow-up, for the DPO / legal ladder. */
export function clockNoticeEmail(s: IncidentState, notice: ClockNotice, obligation: Obligation, responder: string): EmailMessage {
  const what = `${obligation.regime}: ${obligation.title}`;
  const headline =
    notice.kind === 'overdue' ? `OVERDUE: ${what}` : notice.kind === 'follow-up' ? `Follow-up owed: ${what}` : `Reminder (${notice.label}): ${what}`;
  const rows: Array<[string, string]> = [
    ['Incident', s.incidentId],
    ['Tenant', s.tenant],
    ['Obligation', `${obligation.id} → ${obligation.recipient}`],
    ['Due', utc(notice.dueAt)],
    ['Source', obligation.source],
    ...(notice.outstanding?.length ? [['Still outstanding', notice.outstanding.join('; ')] as [string, string]] : []),
    ...(notice.kind === 'overdue' && obligation.lateNeedsReasons ? [['Late filing', 'must give the reasons for the delay'] as [string, string]] : []),
  ];
  return render(drillMarked(s, 'email', `[Klaxon] ${headline} (${s.tenant})`), headline, rows, `File: klaxon clocks file ${s.incidentId} --regime ${obligation.id} --reference <ref> --as ${responder}`);
}

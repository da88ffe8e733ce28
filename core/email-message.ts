import type { IncidentState } from './incident';
import { redact } from './redaction';

export interface EmailMessage {
  subject: string;
  text: string;
  html: string;
}

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Header values come from alerts: no line breaks may reach a header (no header injection). */
const oneLine = (s: string): string => s.replace(/[\r\n\t\u2028\u2029]+/g, ' ').trim();

/**
 * The page as an email, for responders reached by email and for the executives and legal
 * readers who live there. Redacted like every page; times in UTC, named.
 */
export function emailMessage(s: IncidentState, paged: { responder: string; level: number }): EmailMessage {
  const title = oneLine(redact(s.title));
  const rows: Array<[string, string]> = [
    ['Incident', s.incidentId],
    ['Status', s.status],
    ['Severity', s.severity],
    ['Tenant', s.tenant],
    ['Data categories', s.dataCategories.join(', ') || 'none reported'],
    ['Paged', `${paged.responder} (level ${paged.level})`],
    ['Opened', `${s.openedAt.replace('T', ' ').replace(/\.\d+Z$|Z$/, '')} UTC`],
    ['Alerts', String(s.alertCount)],
  ];
  const act = `Acknowledge: klaxon ack ${s.incidentId} --as ${paged.responder}`;
  return {
    subject: oneLine(`[Klaxon ${s.severity}] ${s.tenant}: ${title}`).slice(0, 200),
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

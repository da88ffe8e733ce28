import { render, utc, type EmailMessage } from '../channels/email-message';
import type { SlackMessage } from '../channels/slack-message';
import { joinMarkup, mentionUser, mrkdwn, slackDate } from '../channels/slack-text';
import { redact } from '../shared/redaction';
import type { ReviewAction, ReviewState } from './review';

/**
 * A late review's reminder and an overdue action's, as Slack messages and e-mails. The incident's
 * title is redacted again and every outside word escaped (Slack mrkdwn, HTML, mail headers) by
 * the channels' own helpers; a drill's review is marked as every message of a drill is.
 */
export type ReviewNotice = { kind: 'late'; sequence: number } | { kind: 'action-overdue'; action: ReviewAction };

const drillMark = (r: ReviewState, dash: string): string => (r.drill ? `DRILL${dash}` : '');

export function reviewSlackMessage(r: ReviewState, notice: ReviewNotice, mention: string[]): SlackMessage {
  const who = joinMarkup(mention.map(mentionUser), ' ');
  const about = mrkdwn`\`${r.incidentId}\` (${r.tenant}): ${redact(r.title)}`;
  const text =
    notice.kind === 'late'
      ? mrkdwn`${drillMark(r, ' — ')}:memo: *Post-incident review late* (reminder ${notice.sequence}) for ${about}: owed by ${r.owner}, due ${slackDate(r.dueAt)}. Submit it: \`klaxon review submit ${r.incidentId} --file review.yaml\`. ${who}`
      : mrkdwn`${drillMark(r, ' — ')}:hourglass: *Follow-up action overdue*: #${notice.action.n} "${notice.action.title}" of the review of ${about}, owned by ${notice.action.owner}, was due ${slackDate(notice.action.dueAt)}. When done: \`klaxon review action done ${r.incidentId} ${notice.action.n}\`. ${who}`;
  return { text: text.markup, blocks: [{ type: 'section', text: { type: 'mrkdwn', text: text.markup } }] };
}

export function reviewEmail(r: ReviewState, notice: ReviewNotice): EmailMessage {
  const mark = drillMark(r, ' ') ? '[DRILL] ' : '';
  const rows: Array<[string, string]> = [
    ['Incident', r.incidentId],
    ['Tenant', r.tenant],
    ['Title', redact(r.title)],
    ['Resolved', utc(r.resolvedAt)],
    ['Review owner', r.owner],
    ['Review due', utc(r.dueAt)],
  ];
  if (notice.kind === 'late') {
    const headline = `Post-incident review late (reminder ${notice.sequence})`;
    return render(`${mark}[Klaxon] ${headline}: ${r.incidentId} (${r.tenant})`, headline, rows, `klaxon review submit ${r.incidentId} --file review.yaml`);
  }
  const a = notice.action;
  const headline = `Follow-up action #${a.n} overdue`;
  return render(
    `${mark}[Klaxon] ${headline}: ${r.incidentId} (${r.tenant})`,
    headline,
    [...rows, ['Action', a.title], ['Action owner', a.owner], ['Action due', utc(a.dueAt)]],
    `klaxon review action done ${r.incidentId} ${a.n}`,
  );
}

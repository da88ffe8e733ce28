import type { IncidentState } from './incident';
import { redact } from './redaction';

/** Action ids of the incident message's buttons; the API maps them back to Updates. */
export const SLACK_ACTIONS = { acknowledge: 'klaxon_acknowledge', resolve: 'klaxon_resolve' } as const;

/** Who a message pages: a person, or a channel (a level may target one). */
export interface PagedAs {
  slackUserId?: string;
  slackChannel?: string;
  level: number;
}

export interface SlackMessage {
  text: string;
  blocks: unknown[];
}

/**
 * Slack renders `<!date^…>` in each reader's own zone; the fallback names UTC.
 * https://api.slack.com/reference/surfaces/formatting#date-formatting
 */
function slackDate(iso: string): string {
  const seconds = Math.floor(Date.parse(iso) / 1000);
  return `<!date^${seconds}^{date_short_pretty} {time_secs}|${iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, '')} UTC>`;
}

function statusLine(s: IncidentState): string {
  switch (s.status) {
    case 'triggered':
      return `:rotating_light: *Triggered*, level ${s.level}${s.ladderExhausted ? ' (ladder exhausted)' : ''}`;
    case 'snoozed':
      return `:zzz: *Snoozed* until ${slackDate(s.snoozedUntil!)}, then level ${Math.max(1, s.level)} is paged again`;
    case 'acknowledged':
      return `:eyes: *Acknowledged* by ${s.acknowledgedBy} at ${slackDate(s.acknowledgedAt!)}`;
    case 'resolved':
      return `:white_check_mark: *Resolved* by ${s.resolvedBy} at ${slackDate(s.resolvedAt!)}`;
  }
}

/**
 * The incident message as it must read now. Alert text is redacted: the incident is about
 * leaked personal data, and the page must not repeat it.
 */
export function incidentMessage(s: IncidentState, paged: PagedAs): SlackMessage {
  const who = paged.slackUserId ? `<@${paged.slackUserId}>` : `<#${paged.slackChannel}>`;
  const title = redact(s.title);
  const categories = s.dataCategories.length ? s.dataCategories.join(', ') : 'none reported';
  const blocks: unknown[] = [
    { type: 'header', text: { type: 'plain_text', text: `${s.severity}: ${title}`.slice(0, 150) } },
    {
      type: 'section',
      fields: [
        { type: 'mrkdwn', text: `*Tenant*\n${s.tenant}` },
        { type: 'mrkdwn', text: `*Severity*\n${s.severity}` },
        { type: 'mrkdwn', text: `*Data categories*\n${categories}` },
        { type: 'mrkdwn', text: `*Paged*\n${who} (level ${paged.level})` },
      ],
    },
    { type: 'section', text: { type: 'mrkdwn', text: statusLine(s) } },
    {
      type: 'context',
      elements: [{ type: 'mrkdwn', text: `Incident \`${s.incidentId}\` · opened ${slackDate(s.openedAt)} · ${s.alertCount} alert(s)` }],
    },
  ];
  if (s.status !== 'resolved') {
    const buttons = [
      ...(s.status === 'triggered'
        ? [{ type: 'button', action_id: SLACK_ACTIONS.acknowledge, style: 'primary', text: { type: 'plain_text', text: 'Acknowledge' }, value: s.incidentId }]
        : []),
      { type: 'button', action_id: SLACK_ACTIONS.resolve, style: 'danger', text: { type: 'plain_text', text: 'Resolve' }, value: s.incidentId },
    ];
    blocks.push({ type: 'actions', block_id: 'klaxon_incident_actions', elements: buttons });
  }
  return { text: `${s.severity} incident for ${s.tenant}: ${title} (paging ${who}, ${s.status})`, blocks };
}

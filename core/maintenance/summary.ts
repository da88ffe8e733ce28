import type { SlackMessage } from '../channels/slack-message';
import { escapeSlack, mrkdwn, SlackMarkup, slackDate } from '../channels/slack-text';
import type { MaintenanceWindow } from './window';

/** What arrived during a window, as the ledger recorded it (ledger/maintenance-windows.ts). */
export interface HeldTally {
  /** Held alerts per source and severity, most first. */
  counts: Array<{ source: string; severity: string; count: number }>;
  /** The first held alerts' titles (as kept: redacted), oldest first, at most SUMMARY_TITLES. */
  titles: string[];
  /** SEV1 alerts with personal data that paged anyway. */
  bypassed: number;
}

/** Titles a summary names; the rest are counted. */
export const SUMMARY_TITLES = 5;
/**
 * Slack's limit on a section's text is 3000; a title is cut well before it, as escaped: `&`
 * becomes five characters, so a title cut before escaping could still be five times as long,
 * and five of them overflow the section (Slack refuses the post, and the summary is lost).
 */
const TITLE_CHARS = 200;

/** The title escaped for Slack, at most TITLE_CHARS of markup, cut between characters (never inside an entity or a surrogate pair). */
const cut = (s: string): SlackMarkup => {
  let out = '';
  for (const ch of s) {
    const e = escapeSlack(ch);
    if (out.length + e.length > TITLE_CHARS - 1) return new SlackMarkup(`${out}…`);
    out += e;
  }
  return new SlackMarkup(out);
};

const scope = (w: Pick<MaintenanceWindow, 'tenant' | 'source' | 'service'>) =>
  [`tenant ${w.tenant}`, ...(w.source !== undefined ? [`source ${w.source}`] : []), ...(w.service !== undefined ? [`service ${w.service}`] : [])].join(', ');

/**
 * The post to the policy's channel when a window ends: its scope, who opened it and why, when
 * it ended and how, what it held back (per source and severity, the first titles) and what paged
 * anyway. Every outside word (tenant, service, reason, titles, names) is escaped for mrkdwn;
 * times are Slack dates, so each reader sees their own zone.
 */
export function maintenanceSummary(w: MaintenanceWindow, tally: HeldTally, ended: { at: string; by: string; expired: boolean }): SlackMessage {
  const held = tally.counts.reduce((n, c) => n + c.count, 0);
  const how = ended.expired ? 'ended by itself' : mrkdwn`ended by ${ended.by}`;
  const head = mrkdwn`*Maintenance over* (${scope(w)}) ${how} at ${slackDate(ended.at, '{date_short_pretty} {time}')}: ${held} alert(s) held back, ${tally.bypassed} SEV1 with personal data paged anyway.`;
  const why = mrkdwn`Opened by ${w.by} from ${slackDate(w.from, '{date_short_pretty} {time}')}: ${w.reason}`;
  const lines = [
    ...tally.counts.map((c) => mrkdwn`• ${c.count} × ${c.severity} from ${c.source}`.markup),
    ...tally.titles.map((t) => mrkdwn`> ${cut(t)}`.markup),
    ...(held > tally.titles.length && tally.titles.length > 0 ? [mrkdwn`…and ${held - tally.titles.length} more`.markup] : []),
  ];
  return {
    text: mrkdwn`Maintenance over (${scope(w)}): ${held} alert(s) held back`.markup,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: head.markup } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: why.markup }] },
      ...(lines.length ? [{ type: 'section', text: { type: 'mrkdwn', text: lines.join('\n') } }] : []),
    ],
  };
}

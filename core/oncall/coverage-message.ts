import type { SlackMessage } from '../channels/slack-message';
import { mrkdwn, slackDate } from '../channels/slack-text';
import type { CoverageGap } from './coverage';

/** Slack's limit on a section's text; the lines that do not fit are counted instead. */
const SECTION_CHARS = 3000;
const MORE_LINE_RESERVE = 200;

/**
 * The daily check's post to a policy's channel: its new gaps, times as Slack dates (each reader
 * sees their own zone), every name escaped (policy, schedule and responder names come from files).
 */
export function coverageMessage(policy: string, gaps: readonly CoverageGap[], days: number): SlackMessage {
  const lines: string[] = [];
  let length = 0;
  for (const g of gaps) {
    const line = mrkdwn`• ${slackDate(g.from, '{date_short_pretty} {time}')} to ${slackDate(g.to, '{date_short_pretty} {time}')}: ${g.message}`.markup;
    if (length + line.length + 1 > SECTION_CHARS - MORE_LINE_RESERVE) break;
    lines.push(line);
    length += line.length + 1;
  }
  if (lines.length < gaps.length) lines.push(mrkdwn`…and ${gaps.length - lines.length} more: klaxon coverage --policy ${policy}`.markup);
  const head = mrkdwn`*Coverage:* ${gaps.length} new gap(s) in policy "${policy}" over the next ${days} days, where nobody would be paged`;
  return {
    text: mrkdwn`Coverage: ${gaps.length} new gap(s) in policy "${policy}"`.markup,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: head.markup } },
      { type: 'section', text: { type: 'mrkdwn', text: lines.join('\n') } },
    ],
  };
}

import type { IncidentState } from '../incident/incident';
import { describeSpec, type ContainmentAction } from '../containment/containment';
import type { ClockNotice } from '../regulation/legal-clocks';
import { TEXT_LIMITS } from '../shared/free-text';
import { redact } from '../shared/redaction';
import { drillMarked } from '../drills/drill';
import { joinMarkup, linkChannel, mentionUser, mrkdwn, slackDate, type SlackMarkup } from './slack-text';

/** Action ids of the incident message's buttons; the API maps them back to Updates. */
export const SLACK_ACTIONS = {
  acknowledge: 'klaxon_acknowledge',
  resolve: 'klaxon_resolve',
  escalate: 'klaxon_escalate',
  snooze: 'klaxon_snooze',
  /** Approves a containment action; the value is `<incident id> <action id>`. */
  approveContainment: 'klaxon_containment_approve',
} as const;

/** The snooze menu's block carries the incident id (an option's value is too short for it). */
export const SNOOZE_BLOCK_PREFIX = 'klaxon_snooze:';

/** Snooze lengths offered in the message, in minutes; a policy's maxSnoozeMinutes still bounds them. */
export const SNOOZE_CHOICES = [15, 30, 60, 120];

/** The modal that asks for a resolution note. */
export const RESOLVE_MODAL = { callbackId: 'klaxon_resolve_modal', block: 'note', action: 'note' } as const;

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
 * A drill's message starts with its mark (`DRILL — `) in the text and in the first block a
 * person reads (the header, or the first section), so nobody takes it for a real incident.
 */
function marked(s: Pick<IncidentState, 'drill'>, m: SlackMessage): SlackMessage {
  if (!s.drill) return m;
  const [first, ...rest] = m.blocks as Array<{ type?: string; text?: { type: string; text: string } }>;
  const head = first?.text && (first.type === 'header' || first.type === 'section') ? { ...first, text: { ...first.text, text: drillMarked(s, 'slack', first.text.text).slice(0, first.type === 'header' ? 150 : 3000) } } : first;
  return { text: drillMarked(s, 'slack', m.text), blocks: first === undefined ? [] : [head, ...rest] };
}

/** A section of mrkdwn text. */
const section = (text: SlackMarkup) => ({ type: 'section', text: { type: 'mrkdwn', text: text.markup } });

function statusLine(s: IncidentState): SlackMarkup {
  switch (s.status) {
    case 'triggered':
      return mrkdwn`:rotating_light: *Triggered*, level ${s.level}${s.ladderExhausted ? ' (ladder exhausted)' : ''}`;
    case 'snoozed':
      return mrkdwn`:zzz: *Snoozed* until ${slackDate(s.snoozedUntil!)}, then level ${Math.max(1, s.level)} is paged again`;
    case 'acknowledged':
      return mrkdwn`:eyes: *Acknowledged* by ${s.acknowledgedBy ?? ''} at ${slackDate(s.acknowledgedAt!)}`;
    case 'resolved':
      return mrkdwn`:white_check_mark: *Resolved* by ${s.resolvedBy ?? ''} at ${slackDate(s.resolvedAt!)}`;
  }
}

/**
 * The incident message as it must read now. Alert text is redacted: the incident is about
 * leaked personal data, and the page must not repeat it. Every outside word is escaped (see
 * core/channels/slack-text.ts): a title cannot ping the channel or hide a link.
 */
export function incidentMessage(s: IncidentState, paged: PagedAs): SlackMessage {
  const who = paged.slackUserId ? mentionUser(paged.slackUserId) : linkChannel(paged.slackChannel ?? '');
  const title = redact(s.title);
  const categories = s.dataCategories.length ? s.dataCategories.join(', ') : 'none reported';
  const field = (text: SlackMarkup) => ({ type: 'mrkdwn', text: text.markup });
  const blocks: unknown[] = [
    // plain_text is never read as markup.
    { type: 'header', text: { type: 'plain_text', text: `${s.severity}: ${title}`.slice(0, 150) } },
    {
      type: 'section',
      fields: [
        field(mrkdwn`*Tenant*\n${s.tenant}`),
        field(mrkdwn`*Severity*\n${s.severity}`),
        field(mrkdwn`*Data categories*\n${categories}`),
        field(mrkdwn`*Paged*\n${who} (level ${paged.level})`),
        ...(s.surfaces.length ? [field(mrkdwn`*Affected*\n${s.surfaces.join(', ')}`)] : []),
        ...(s.assignedTo ? [field(mrkdwn`*Assigned to*\n${s.assignedTo}`)] : []),
      ],
    },
    section(statusLine(s)),
    {
      type: 'context',
      elements: [field(mrkdwn`Incident \`${s.incidentId}\` · opened ${slackDate(s.openedAt)} · ${s.alertCount} alert(s)`)],
    },
  ];
  if (s.status !== 'resolved') blocks.push(...actionBlocks(s));
  // Only a triggered incident is paging anyone; once acknowledged, snoozed or resolved the text says who was paged.
  const paging = s.status === 'triggered' ? 'paging' : 'paged';
  return marked(s, { text: mrkdwn`${s.severity} incident for ${s.tenant}: ${title} (${paging} ${who}, ${s.status})`.markup, blocks });
}

const button = (action: string, text: string, incidentId: string, style?: 'primary' | 'danger') => ({
  type: 'button',
  action_id: action,
  text: { type: 'plain_text', text },
  value: incidentId,
  ...(style ? { style } : {}),
});

/** What a responder can do from the message, given where the incident stands. */
function actionBlocks(s: IncidentState): unknown[] {
  const paging = s.status === 'triggered';
  const buttons = [
    ...(paging || s.status === 'snoozed' ? [button(SLACK_ACTIONS.acknowledge, 'Acknowledge', s.incidentId, 'primary')] : []),
    ...(paging && !s.ladderExhausted ? [button(SLACK_ACTIONS.escalate, 'Escalate now', s.incidentId)] : []),
    button(SLACK_ACTIONS.resolve, 'Resolve', s.incidentId, 'danger'),
  ];
  const blocks: unknown[] = [{ type: 'actions', block_id: 'klaxon_incident_actions', elements: buttons }];
  if (paging || s.status === 'acknowledged') {
    blocks.push({
      type: 'actions',
      block_id: `${SNOOZE_BLOCK_PREFIX}${s.incidentId}`,
      elements: [
        {
          type: 'static_select',
          action_id: SLACK_ACTIONS.snooze,
          placeholder: { type: 'plain_text', text: 'Snooze…' },
          options: SNOOZE_CHOICES.map((m) => ({ text: { type: 'plain_text', text: m < 60 ? `${m} minutes` : `${m / 60} hour${m > 60 ? 's' : ''}` }, value: String(m) })),
        },
      ],
    });
  }
  return blocks;
}

/** The modal a Resolve click opens: a note for the record (optional), the incident in private_metadata. */
export function resolveModal(s: Pick<IncidentState, 'incidentId' | 'title'>, runId?: string): unknown {
  return {
    type: 'modal',
    callback_id: RESOLVE_MODAL.callbackId,
    // The run it was opened for, so submitting it cannot resolve a run of the same id opened since.
    private_metadata: runId ? `${s.incidentId} ${runId}` : s.incidentId,
    title: { type: 'plain_text', text: 'Resolve incident' },
    submit: { type: 'plain_text', text: 'Resolve' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      section(mrkdwn`*${redact(s.title).slice(0, 200)}*\n\`${s.incidentId}\``),
      {
        type: 'input',
        block_id: RESOLVE_MODAL.block,
        optional: true,
        label: { type: 'plain_text', text: 'Resolution note (goes to the audit ledger)' },
        element: { type: 'plain_text_input', action_id: RESOLVE_MODAL.action, multiline: true, max_length: TEXT_LIMITS.updateText },
      },
    ],
  };
}

/** The thread reply that records a status change under the incident message (the state history). */
export function statusReply(s: IncidentState): SlackMessage {
  const via = s.changedVia ? ` via ${s.changedVia}` : '';
  const text = (() => {
    switch (s.status) {
      case 'acknowledged':
        return mrkdwn`:eyes: Acknowledged by ${s.acknowledgedBy ?? ''}${via} at ${slackDate(s.acknowledgedAt!)}`;
      case 'snoozed':
        return mrkdwn`:zzz: Snoozed${via} until ${slackDate(s.snoozedUntil!)}`;
      case 'resolved':
        return mrkdwn`:white_check_mark: Resolved by ${s.resolvedBy ?? ''}${via} at ${slackDate(s.resolvedAt!)}${s.resolveNote ? `: ${redact(s.resolveNote)}` : ''}`;
      case 'triggered':
        return mrkdwn`:rotating_light: Triggered again${s.assignedTo ? `, assigned to ${s.assignedTo}` : ''}: paging resumes at level ${Math.max(1, s.level)}`;
    }
  })();
  return marked(s, { text: text.markup, blocks: [section(text)] });
}

/**
 * A legal clock's reminder or deadline, told to the DPO and legal: a reminder mentions them,
 * a missed deadline also alerts the whole channel and asks for the reasons for the delay.
 */
export function clockNoticeMessage(s: IncidentState, notice: ClockNotice, mention: string[], obligation: { title: string; regime: string; lateNeedsReasons: boolean }): SlackMessage {
  const who = joinMarkup(mention.map(mentionUser), ' ');
  const what = mrkdwn`${obligation.regime}: ${obligation.title} for \`${s.incidentId}\` (${s.tenant})`;
  const text =
    notice.kind === 'overdue'
      ? mrkdwn`<!channel> :alarm_clock: *OVERDUE* ${what}: the deadline ${slackDate(notice.dueAt)} has passed. ${who}${obligation.lateNeedsReasons ? ' File it now with the reasons for the delay: `klaxon clocks file`.' : ''}`
      : notice.kind === 'follow-up'
        ? mrkdwn`:memo: Follow-up owed: ${what} was filed in phases; the rest was due ${slackDate(notice.dueAt)}.${notice.outstanding?.length ? ` Outstanding: ${notice.outstanding.join('; ')}.` : ''} ${who}`
        : mrkdwn`:hourglass_flowing_sand: Reminder (${notice.label}): ${what} is due ${slackDate(notice.dueAt)}. ${who}`;
  return marked(s, { text: text.markup, blocks: [section(text)] });
}

/** What containment needs people to know: an approval to give, or an action or undo that keeps failing. */
export type ContainmentNotice = 'approval-needed' | 'failed' | 'undo-failed';

export function containmentNoticeMessage(s: IncidentState, a: ContainmentAction, notice: ContainmentNotice, mention: string[]): SlackMessage {
  const who = joinMarkup(mention.map(mentionUser), ' ');
  const what = mrkdwn`${a.id} ${describeSpec(a.spec, a.tenant)} for \`${s.incidentId}\``;
  if (notice === 'approval-needed') {
    const text = mrkdwn`:shield: Containment awaits approval: ${what}, requested by ${a.requestedBy}${a.reason ? ` (${a.reason})` : ''}. An approver other than the requester approves; reject with \`klaxon containment reject ${s.incidentId} ${a.id} --reason …\`. ${who}`;
    return marked(s, {
      text: text.markup,
      blocks: [section(text), { type: 'actions', elements: [{ ...button(SLACK_ACTIONS.approveContainment, 'Approve', `${s.incidentId} ${a.id}`, 'primary') }] }],
    });
  }
  const failure = a.failure ?? '';
  const text =
    notice === 'failed'
      ? mrkdwn`<!channel> :rotating_light: *Containment failed*: ${what} could not be applied: ${failure}. The leak may not be contained. ${who}`
      : mrkdwn`<!channel> :rotating_light: *Containment undo failed*: ${what} is still in place: ${failure}. Klaxon tries again every 30 minutes. ${who}`;
  return marked(s, { text: text.markup, blocks: [section(text)] });
}

import type { ContainmentAction } from '../../core/containment/containment';
import { Incident, type IncidentState } from '../../core/incident/incident';
import { clockNoticeMessage, containmentNoticeMessage, incidentMessage, resolveModal, statusReply, type SlackMessage } from '../../core/channels/slack-message';
import { escapeSlack, mrkdwn } from '../../core/channels/slack-text';
import { sampleAlert, samplePolicy } from '../support/samples';

/** What an attacker puts in every field that reaches Slack: a channel ping, a disguised link, an entity. */
const HOSTILE = '<!channel> <https://evil.example|click here> &amp; <@U0BOSS>';
const T = '2026-11-24T10:00:00.000Z';

/** Every piece of Slack text a message carries: its `text` and every mrkdwn object in its blocks. */
function markupOf(message: unknown): string[] {
  const found: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (!node || typeof node !== 'object') return;
    const o = node as Record<string, unknown>;
    if (o.type === 'mrkdwn' && typeof o.text === 'string') found.push(o.text);
    Object.values(o).forEach(walk);
  };
  walk(message);
  if (typeof (message as SlackMessage).text === 'string') found.push((message as SlackMessage).text);
  return found;
}

/** Slack's control sequences in `text` that Klaxon did not mean: anything in <…> but its own mentions and dates. */
const foreignControls = (text: string): string[] =>
  (text.match(/<[^>]*>/g) ?? []).filter((c) => !/^<@U0(ALICE|BOB)>$|^<#C0INCIDENTS>$|^<!date\^\d+\^[^|>]+\|[^<>]+>$/.test(c) && !(c === '<!channel>' && text.startsWith('<!channel> :')));

function hostileState(): IncidentState {
  const inc = Incident.open('inc-acme-0123456789abcdef', samplePolicy, sampleAlert({ title: HOSTILE, dataCategories: [HOSTILE] }), T);
  return { ...inc.snapshot(), surfaces: [HOSTILE], assignedTo: HOSTILE };
}

describe('outside text in Slack messages', () => {
  const action: ContainmentAction = {
    id: 'a1',
    spec: { kind: 'suspend-credentials', credentials: [HOSTILE] },
    tenant: 'acme',
    mode: 'requested',
    status: 'failed',
    requestedBy: 'alice',
    requestedAt: T,
    reason: HOSTILE,
    failure: HOSTILE,
  };
  const s = hostileState();
  const messages: Array<[string, unknown]> = [
    ['the page', incidentMessage(s, { slackUserId: 'U0ALICE', level: 1 })],
    ['the page in a channel', incidentMessage(s, { slackChannel: 'C0INCIDENTS', level: 1 })],
    ['the resolution in the thread', statusReply({ ...s, status: 'resolved', resolvedBy: 'bob', resolvedAt: T, resolveNote: HOSTILE })],
    ['the resolve modal', resolveModal(s)],
    ['a follow-up owed', clockNoticeMessage(s, { obligation: 'gdpr-art33', kind: 'follow-up', label: '72h', dueAt: T, sequence: 1, outstanding: [HOSTILE] }, ['U0ALICE'], { title: 'Notify', regime: 'GDPR', lateNeedsReasons: true })],
    ['a containment approval', containmentNoticeMessage(s, action, 'approval-needed', ['U0BOB'])],
    ['a containment failure', containmentNoticeMessage(s, action, 'failed', ['U0BOB'])],
  ];

  it.each(messages)('%s pings nobody and links nowhere Klaxon did not mean', (_, message) => {
    const texts = markupOf(message);
    expect(texts.length).toBeGreaterThan(0);
    for (const text of texts) expect(foreignControls(text)).toEqual([]);
    expect(texts.join('\n')).toContain(escapeSlack('<https://evil.example|click here>'));
  });

  it("keeps Klaxon's own mentions, dates and channel alerts working", () => {
    expect(markupOf(messages[0][1]).join('\n')).toMatch(/<@U0ALICE>[\s\S]*<!date\^\d+\^/);
    const overdue = clockNoticeMessage(s, { obligation: 'gdpr-art33', kind: 'overdue', label: '72h', dueAt: T, sequence: 1 }, ['U0ALICE'], { title: 'Notify', regime: 'GDPR', lateNeedsReasons: true });
    expect(overdue.text).toMatch(/^<!channel> :alarm_clock: \*OVERDUE\*.*<@U0ALICE>/);
    expect(foreignControls(overdue.text)).toEqual([]);
    expect((messages[6][1] as SlackMessage).text).toMatch(/^<!channel> :rotating_light: \*Containment failed\*/);
  });

  it('escapes as Slack documents: & < > only, each once', () => {
    expect(escapeSlack('a & b < c > d "e" \'f\'')).toBe('a &amp; b &lt; c &gt; d "e" \'f\'');
    expect(mrkdwn`*${'<b>'}* ${mrkdwn`${'&'}`}`.markup).toBe('*&lt;b&gt;* &amp;');
  });
});

describe('the page once paging has stopped', () => {
  const open = Incident.open('inc-acme-0123456789abcdef', samplePolicy, sampleAlert(), T).snapshot();

  it('says it is paging while the incident is triggered', () => {
    expect(incidentMessage(open, { slackUserId: 'U0ALICE', level: 1 }).text).toContain('(paging <@U0ALICE>, triggered)');
  });

  it('no longer says it is paging anyone once resolved, but still who was paged', () => {
    const resolved = incidentMessage({ ...open, status: 'resolved', resolvedBy: 'alice', resolvedAt: T }, { slackUserId: 'U0ALICE', level: 1 });
    for (const text of markupOf(resolved)) expect(text).not.toMatch(/paging/i);
    expect(resolved.text).toContain('(paged <@U0ALICE>, resolved)');
  });
});

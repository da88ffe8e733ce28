import type { Page } from '../core/escalation/paging';
import type { IncidentState } from '../core/incident/state';
import { h, section, table } from './dom';
import { deadline, when } from './time';

/** The channels a page went out on: Slack (a person's DM or a channel), then each notification the responder's rules sent. */
function channels(p: Page): string {
  const slack = p.slackChannel ? [`Slack channel ${p.slackChannel}`] : p.slackUserId || p.channel ? ['Slack'] : [];
  const more = (p.notifications ?? []).map((n) => n.channel);
  return [...new Set([...slack, ...more])].join(', ') || '—';
}

/** Delivered, or why not: the page's own failure first, then any notification's. */
function outcome(p: Page): string {
  const failures = [...(p.failed ? [p.failed] : []), ...(p.notifications ?? []).filter((n) => n.failed).map((n) => `${n.channel}: ${n.failed}`)];
  return failures.length ? `failed: ${failures.join('; ')}` : 'delivered';
}

function pageRow(p: Page): HTMLTableRowElement {
  const failed = outcome(p) !== 'delivered';
  return h(
    'tr',
    { class: failed ? 'failed' : undefined },
    h('td', {}, p.pass > 1 ? `${p.level} (pass ${p.pass})` : p.level),
    h('td', {}, p.responder),
    h('td', {}, channels(p)),
    h('td', {}, when(p.at)),
    h('td', { class: failed ? 'outcome failed' : 'outcome' }, outcome(p)),
  );
}

/** What the ladder does next: escalate at a time, wait out a snooze, or nothing more. */
function nextStep(s: IncidentState): HTMLElement {
  if (s.status === 'resolved') return h('p', { id: 'next-escalation' }, 'Resolved: nobody more will be paged.');
  if (s.status === 'snoozed' && s.snoozedUntil) return h('p', { id: 'next-escalation' }, 'Snoozed: paging resumes ', deadline(s.snoozedUntil), '.');
  if (s.nextEscalationAt) return h('p', { id: 'next-escalation' }, `Next escalation (past level ${s.level}) `, deadline(s.nextEscalationAt), ' unless someone acknowledges.');
  if (s.ladderExhausted) return h('p', { id: 'next-escalation', class: 'warning' }, 'The escalation ladder is exhausted: nobody acknowledged.');
  if (s.status === 'acknowledged' && s.ackExpiresAt) return h('p', { id: 'next-escalation' }, 'Acknowledged: the ladder re-triggers ', deadline(s.ackExpiresAt), ' unless resolved.');
  if (s.status === 'acknowledged') return h('p', { id: 'next-escalation' }, 'Acknowledged: no further escalation.');
  return h('p', { id: 'next-escalation' }, 'No escalation is scheduled.');
}

/** `section#escalation`: who was paged, when, on which channel and with what outcome, and what happens next. */
export function escalationSection(s: IncidentState): HTMLElement {
  return section(
    'escalation',
    'Escalation',
    nextStep(s),
    s.pages.length
      ? table('pages', `Pages sent (ladder at level ${s.level})`, ['Level', 'Responder', 'Channels', 'When', 'Outcome'], s.pages.map(pageRow))
      : h('p', {}, 'Nobody has been paged yet.'),
    s.incidentChannel ? h('p', {}, s.incidentChannel.failed ? `The incident's Slack channel could not be opened: ${s.incidentChannel.failed}` : `Incident Slack channel: #${s.incidentChannel.name}`) : null,
  );
}

import type { ClocksView, ClockView } from '../core/regulation/clock-view';
import type { Filing } from '../core/regulation/legal-clocks';
import { definitions, h, section, type Child, type Definition } from './dom';
import { countdown, inZone, viewerZone, when } from './time';

/** The instant a clock still counts down to: its deadline while unfiled, the follow-up's after a partial filing. */
function countingTo(c: ClockView): string | undefined {
  if (c.status === 'open' || c.status === 'overdue') return c.due.utc;
  if (c.status === 'partial') return c.followUpDue?.utc;
  return undefined;
}

function filingText(f: Filing, what: string): Child[] {
  return [
    h('strong', { class: f.late ? 'late' : 'on-time' }, `${what} ${f.late ? 'late' : 'on time'}`),
    ' on ',
    when(f.filedAt),
    ` by ${f.by} to ${f.recipient}, reference ${f.reference}.`,
    f.reasonsForDelay ? ` Reasons for the delay: ${f.reasonsForDelay}` : f.late ? ' No reasons for the delay were given.' : '',
    f.outstanding?.length ? ` Still to follow: ${f.outstanding.join('; ')}.` : '',
  ];
}

/** Filed on time or late (with the reasons), withdrawn, or not yet, and what lateness will demand. */
function filing(c: ClockView): HTMLElement {
  if (c.withdrawn) return h('p', { class: 'filing' }, `Withdrawn by ${c.withdrawn.by} on `, when(c.withdrawn.at), `: ${c.withdrawn.reason}`);
  if (!c.filing) {
    const late = c.status === 'overdue' && c.lateNeedsReasons;
    return h('p', { class: 'filing' }, 'Not filed yet.', late ? ' Filed now, it is late and must give the reasons for the delay.' : '');
  }
  const followUps = (c.followUps ?? []).map((f, i) => h('li', {}, ...filingText(f, `Follow-up ${i + 1} filed`)));
  return h('div', { class: 'filing' }, h('p', {}, ...filingText(c.filing, 'Filed')), followUps.length ? h('ul', {}, ...followUps) : null);
}

function reminders(c: ClockView): HTMLElement {
  if (c.reminders.length === 0) return h('p', { class: 'reminders' }, 'No reminders.');
  return h(
    'ul',
    { class: 'reminders' },
    ...c.reminders.map((r) => h('li', { class: r.sent ? 'sent' : 'pending' }, `${r.label}: `, when(r.at.utc), r.sent ? ' — sent' : ' — not sent yet')),
  );
}

/** The deadline in the three zones compliance reads it in, and what else bounds it. */
function deadlines(c: ClockView): Definition[] {
  const rows: Definition[] = [
    ['Recipient', c.recipient],
    ['Started', [when(c.started.utc), ` (${c.trigger})`]],
    ['Due (UTC)', inZone(c.due.utc, 'UTC')],
    ['Due (authority)', inZone(c.due.utc, c.authorityZone)],
    ['Due (your zone)', inZone(c.due.utc, viewerZone())],
  ];
  if (c.limitedBy) rows.push(['Deadline limited by', c.limitedBy]);
  if (c.followUpDue) rows.push(['Follow-up due', inZone(c.followUpDue.utc, viewerZone())]);
  return rows;
}

function clock(c: ClockView): HTMLElement {
  const to = countingTo(c);
  const headingId = `clock-${c.obligation}`;
  return h(
    'div',
    { class: 'clock', 'data-obligation': c.obligation, role: 'group', 'aria-labelledby': headingId },
    h('h3', { id: headingId }, `${c.title} (${c.regime})`),
    h('p', { class: 'clock-status' }, 'Status: ', h('strong', {}, c.status), ...(to ? [' — ', countdown(to)] : [])),
    definitions(deadlines(c)),
    c.condition ? h('p', { class: 'condition' }, `To weigh: ${c.condition}`) : null,
    h('h4', {}, 'Reminders'),
    reminders(c),
    h('h4', {}, 'Filing'),
    filing(c),
  );
}

/** `section#clocks`: every legal clock of the incident, each deadline in UTC, the authority's zone and the viewer's. */
export function clocksSection(view: ClocksView): HTMLElement {
  return section(
    'clocks',
    'Legal clocks',
    view.clocks.length ? h('div', { class: 'clocks' }, ...view.clocks.map(clock)) : h('p', {}, 'No legal clock runs for this incident.'),
  );
}

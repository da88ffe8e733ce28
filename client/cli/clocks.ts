import type { ClocksView, ClockView, InstantView } from '../../core/regulation/clock-view';
import type { Clock } from '../../core/regulation/clock';
import { computeClock } from '../../core/regulation/deadlines';
import type { Filing } from '../../core/regulation/legal-clocks';
import { isRecordableTrigger, OBLIGATIONS, obligationById, RECORDABLE_TRIGGERS, type Obligation, type TriggerKind } from '../../core/regulation/regimes';
import { formatInstant, isInstantWithOffset } from '../../core/shared/time-format';

/** `klaxon clocks regimes`: every obligation Klaxon knows, with its rule and legal source. */
export function renderRegimes(): string {
  const rule = (o: Obligation): string => {
    const d = o.deadline;
    switch (d.unit) {
      case 'hours':
        return `${d.amount} h`;
      case 'policy-hours':
        return `without undue delay (policy bound, default ${d.defaultHours} h)`;
      case 'months':
        return `${d.amount} month(s)`;
      case 'calendar-days':
        return `${d.amount} calendar days`;
      case 'business-days':
        return `${d.amount} business days (${d.jurisdiction}, until ${d.endOfDay} ${d.zone})`;
    }
  };
  return OBLIGATIONS.map((o) => `${o.id.padEnd(20)} ${rule(o)} from ${o.trigger} → ${o.recipient}\n${' '.repeat(21)}${o.source}`).join('\n');
}

function requireOffset(flag: string, text: string): string {
  if (!isInstantWithOffset(text)) throw new RangeError(`--${flag} "${text}" needs an offset or Z (e.g. 2026-03-27T14:00+01:00)`);
  return text;
}

/** `--event` of `klaxon clocks trigger`, checked before anything is sent: the ledger keeps what is recorded for ever. */
export function triggerEvent(text: string): TriggerKind {
  if (text === 'high-risk-determined') throw new RangeError('the high-risk determination is recorded as the Art. 34 risk decision, with its reasons: klaxon clocks risk <id> --high-risk yes --reasons …');
  if (!isRecordableTrigger(text)) throw new RangeError(`--event "${text}" is not a trigger event; known: ${RECORDABLE_TRIGGERS.join(', ')}`);
  return text;
}

/** `klaxon clocks compute`: the deadline and reminders of one regime from a trigger, as the clocks compute them. */
export function computeRegimeClock(regime: string, trigger: string, options: { aware?: string; jurisdiction?: string }): Clock {
  const obligation = obligationById(regime);
  const triggers = { [obligation.trigger]: requireOffset('trigger', trigger), ...(options.aware ? { aware: requireOffset('aware', options.aware) } : {}) };
  return computeClock(obligation, triggers, { jurisdiction: options.jurisdiction });
}

const line = (v: InstantView, authorityZone: string, readerZone: string): string =>
  [`${v.utc.replace('.000Z', 'Z')} (UTC)`, v.authority, ...(readerZone !== authorityZone ? [v.reader] : [])].join('  |  ');

const filed = (f: Filing, zone: string, what: string): string =>
  `${what} ${formatInstant(f.filedAt, zone)} by ${f.by} to ${f.recipient}, reference ${f.reference}${f.late ? ' (late)' : ''}` +
  `${f.reasonsForDelay ? `; reasons for delay: ${f.reasonsForDelay}` : ''}${f.outstanding?.length ? `; outstanding: ${f.outstanding.join('; ')}` : ''}`;

/** One clock: deadline and reminders in UTC, the authority's zone and the reader's, and what it needs. */
export function renderClock(v: ClockView, zone: string): string {
  const at = (i: InstantView) => line(i, v.authorityZone, zone);
  const status = (() => {
    if (v.status === 'computed') return [];
    const rows = [`  Status:    ${v.status.toUpperCase()}`];
    if (v.filing) rows.push(`  ${filed(v.filing, zone, 'Filed')}`);
    for (const f of v.followUps ?? []) rows.push(`  ${filed(f, zone, 'Follow-up')}`);
    if (v.followUpDue) rows.push(`  Follow-up due: ${at(v.followUpDue)}`);
    if (v.withdrawn) rows.push(`  Withdrawn ${formatInstant(v.withdrawn.at, zone)} by ${v.withdrawn.by}: ${v.withdrawn.reason}`);
    return rows;
  })();
  return [
    `${v.obligation}: ${v.title} (${v.regime}) → ${v.recipient}`,
    `  Source:    ${v.source}`,
    `  Started:   ${at(v.started)}  (${v.trigger})`,
    `  Due:       ${at(v.due)}${v.limitedBy ? `  (earlier limit from ${v.limitedBy})` : ''}`,
    ...v.reminders.map((r) => `  Remind ${r.label.padEnd(5)} ${at(r.at)}${r.sent ? '  (sent)' : ''}`),
    `  Late filing needs reasons: ${v.lateNeedsReasons ? 'yes' : 'no'}`,
    ...(v.condition ? [`  Applies:   ${v.condition}`] : []),
    '  Contents:',
    ...v.contents.map((c) => `    - ${c}`),
    ...status,
  ].join('\n');
}

/** `klaxon clocks <incident>`: the triggers, decisions and changes recorded, and every clock with its deadline. */
export function renderIncidentClocks(view: ClocksView): string {
  const zone = view.readerZone;
  const triggers = view.triggers.map((t) => `  ${t.event.padEnd(24)} ${formatInstant(t.at, zone)} by ${t.by}${t.reason ? ` — ${t.reason}` : ''}`);
  const decisions = view.riskDecisions.map(
    (d) => `  Art. 34: ${d.highRisk ? 'high risk' : 'not high risk'}${d.exception ? `, exception ${d.exception}` : ''} — ${formatInstant(d.at, zone)} by ${d.by}: ${d.reasons}`,
  );
  const changes = view.changes.map((c) => `  ${c.change} ${c.obligation} ${formatInstant(c.at, zone)} by ${c.by}: ${c.reason}`);
  return [
    `Clocks of ${view.incidentId}, times in ${zone}`,
    `Obligations: ${view.obligations.join(', ') || 'none apply'}`,
    ...(view.nearestDeadline ? [`Nearest deadline: ${view.nearestDeadline.reader}`] : []),
    triggers.length ? 'Triggers:' : 'No trigger recorded yet: `klaxon clocks trigger <id> --event aware --as <name>` starts the clocks that apply.',
    ...triggers,
    ...(decisions.length ? ['Decisions:', ...decisions] : []),
    ...(changes.length ? ['Changes:', ...changes] : []),
    ...(view.clocks.length ? ['', ...view.clocks.map((c) => renderClock(c, zone))] : triggers.length ? ['No obligation applies to these triggers.'] : []),
  ].join('\n');
}

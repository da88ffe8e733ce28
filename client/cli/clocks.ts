import type { Clock } from '../../core/deadlines';
import { computeClock } from '../../core/deadlines';
import type { IncidentState } from '../../core/incident';
import { OBLIGATIONS, obligationById, type Obligation } from '../../core/regimes';
import { formatInstant, isInstantWithOffset } from '../../core/time-format';

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

/** `klaxon clocks compute`: the deadline and reminders of one regime from a trigger, as the clocks compute them. */
export function computeRegimeClock(regime: string, trigger: string, options: { aware?: string; jurisdiction?: string }): { obligation: Obligation; clock: Clock } {
  const obligation = obligationById(regime);
  const triggers = { [obligation.trigger]: requireOffset('trigger', trigger), ...(options.aware ? { aware: requireOffset('aware', options.aware) } : {}) };
  return { obligation, clock: computeClock(obligation, triggers, { jurisdiction: options.jurisdiction }) };
}

export function renderClock({ obligation, clock }: { obligation: Obligation; clock: Clock }, zone: string): string {
  const at = (iso: string) => [`${iso.replace('.000Z', 'Z')} (UTC)`, formatInstant(iso, obligation.recipientZone), ...(zone !== obligation.recipientZone ? [formatInstant(iso, zone)] : [])].join('  |  ');
  return [
    `${obligation.id}: ${obligation.title} (${obligation.regime}) → ${obligation.recipient}`,
    `  Source:    ${obligation.source}`,
    `  Started:   ${at(clock.startedAt)}  (${clock.trigger})`,
    `  Due:       ${at(clock.dueAt)}${clock.limitedBy ? `  (earlier limit from ${clock.limitedBy})` : ''}`,
    ...clock.reminders.map((r) => `  Remind ${r.label.padEnd(5)} ${at(r.at)}`),
    `  Late filing needs reasons: ${obligation.lateNeedsReasons ? 'yes' : 'no'}`,
    ...(obligation.condition ? [`  Applies:   ${obligation.condition}`] : []),
    '  Contents:',
    ...obligation.contents.map((c) => `    - ${c}`),
  ].join('\n');
}

/** `klaxon clocks <incident>`: the triggers recorded and every clock with its deadline. */
export function renderIncidentClocks(state: IncidentState, zone: string): string {
  const triggers = Object.entries(state.triggers ?? {}).map(
    ([event, t]) => `  ${event.padEnd(24)} ${formatInstant(t!.at, zone)} by ${t!.by}${t!.reason ? ` — ${t!.reason}` : ''}`,
  );
  const clocks = (state.clocks ?? []).map((clock) => {
    const f = clock.filing;
    const status = f ? `  Status:    filed ${formatInstant(f.filedAt, zone)} by ${f.by}, reference ${f.reference}${f.late ? ' (late)' : ''}` : `  Status:    ${clock.status.toUpperCase()}`;
    return `${renderClock({ obligation: obligationById(clock.obligation), clock }, zone)}\n${status}`;
  });
  return [
    `Clocks of ${state.incidentId}, times in ${zone}`,
    triggers.length ? 'Triggers:' : 'No trigger recorded yet: `klaxon clocks trigger <id> --event aware --as <name>` starts the clocks that apply.',
    ...triggers,
    ...(clocks.length ? ['', ...clocks] : triggers.length ? ['No obligation applies to these triggers.'] : []),
  ].join('\n');
}

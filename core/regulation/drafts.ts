import type { IncidentState } from '../incident/incident';
import type { Policy } from '../policy/policy';
import type { Obligation } from './regimes';
import { redact } from '../shared/redaction';
import { drillMarked } from '../drills/drill';

/**
 * Notification drafts: every content item the regime requires, filled from the incident's
 * facts where Klaxon knows them, and marked for a person where it does not. Redacted like
 * every page: the draft describes the leak, it must not repeat it.
 */
export interface DraftItem {
  item: string;
  /** What Klaxon can say, or undefined when a person must write it. */
  value?: string;
}

export interface Draft {
  obligation: string;
  regime: string;
  title: string;
  recipient: string;
  incidentId: string;
  dueAt?: string;
  /** True when the deadline has passed: the filing must then give the reasons for the delay. */
  lateReasonsRequired: boolean;
  items: DraftItem[];
}

export const UNKNOWN = '[to be completed: not known to Klaxon yet]';

/** Facts Klaxon holds, and the content items they answer, recognised by what the item asks for. */
function factFor(item: string, s: IncidentState, policy: Policy | undefined): string | undefined {
  const text = item.toLowerCase();
  const categories = s.dataCategories.join(', ') || 'none reported';
  if (/dpo|contact/.test(text)) {
    const dpo = policy?.responders.find((r) => r.roles?.includes('dpo'));
    return dpo ? `${dpo.name}${dpo.email ? ` <${dpo.email}>` : ''} (data protection officer)` : undefined;
  }
  if (/nature|what happened|description|incident reference/.test(text)) {
    const aware = s.triggers?.aware?.at ?? s.triggers?.discovered?.at;
    return [
      `${redact(s.title)} (tenant ${s.tenant}, service ${s.service}, severity ${s.severity}).`,
      `Data categories: ${categories}.`,
      s.surfaces.length ? `Affected surfaces: ${s.surfaces.join(', ')}.` : '',
      `Detected ${s.openedAt}${aware ? `; aware ${aware}` : ''}; Klaxon incident ${s.incidentId}.`,
      /approximate numbers|data subjects/.test(text) ? 'Approximate numbers of data subjects and records: [to be completed].' : '',
    ]
      .filter(Boolean)
      .join(' ');
  }
  if (/kinds of|information (was )?involved|personal data affected|categories/.test(text)) return categories;
  if (/timestamp|dates of the breach/.test(text)) {
    return Object.entries(s.triggers ?? {})
      .map(([event, t]) => `${event}: ${t!.at}`)
      .concat(`detected: ${s.openedAt}`)
      .join('; ');
  }
  if (/member states|jurisdiction/.test(text)) return s.jurisdictions.join(', ') || undefined;
  return undefined;
}

export function notificationDraft(obligation: Obligation, s: IncidentState, policy: Policy | undefined, now: string): Draft {
  const clock = s.clocks?.find((c) => c.obligation === obligation.id);
  return {
    obligation: obligation.id,
    regime: obligation.regime,
    // A drill's draft must never pass for a real notification.
    title: drillMarked(s, 'email', obligation.title),
    recipient: obligation.recipient,
    incidentId: s.incidentId,
    ...(clock ? { dueAt: clock.dueAt } : {}),
    lateReasonsRequired: obligation.lateNeedsReasons && clock !== undefined && Date.parse(now) > Date.parse(clock.dueAt),
    items: obligation.contents.map((item) => ({ item, ...(factFor(item, s, policy) ? { value: factFor(item, s, policy) } : {}) })),
  };
}

export function draftMarkdown(d: Draft): string {
  return [
    `# ${d.title} (${d.regime})`,
    '',
    `To: ${d.recipient}  `,
    `Incident: ${d.incidentId}  `,
    ...(d.dueAt ? [`Due: ${d.dueAt}  `] : []),
    ...(d.lateReasonsRequired ? ['', '**This notification is late: state the reasons for the delay.**'] : []),
    '',
    ...d.items.flatMap((i) => [`## ${i.item}`, '', i.value ?? UNKNOWN, '']),
  ].join('\n');
}

// Workflow-safe: workflow code imports this module; keep Node-only modules out (test/workflow/bundle.test.ts).
import type { IncidentState } from '../incident/incident';
import type { Clock } from './clock';
import type { Filing, ObligationChange, ObligationClock, RecordedTrigger, RiskDecision } from './legal-clocks';
import { obligationById } from './regimes';
import { formatInstant } from '../shared/time-format';

/** One instant as compliance reads it: UTC, in the authority's zone, and in the reader's. */
export interface InstantView {
  utc: string;
  authority: string;
  reader: string;
}

export interface ClockView {
  obligation: string;
  regime: string;
  title: string;
  recipient: string;
  authorityZone: string;
  source: string;
  trigger: string;
  status: string;
  started: InstantView;
  due: InstantView;
  /** Set when a second limit made the deadline earlier (DORA initial). */
  limitedBy?: string;
  reminders: Array<{ label: string; at: InstantView; sent: boolean }>;
  lateNeedsReasons: boolean;
  /** A condition Klaxon cannot decide (thresholds, roles), for people to weigh. */
  condition?: string;
  /** What the filing must hold. */
  contents: string[];
  /** When the owed follow-up of a phased filing is due. */
  followUpDue?: InstantView;
  filing?: Filing;
  followUps?: Filing[];
  withdrawn?: { by: string; at: string; reason: string };
}

/** An incident's legal position, as the `clocks` Query answers it and `klaxon clocks <id>` prints it. */
export interface ClocksView {
  incidentId: string;
  readerZone: string;
  triggers: Array<{ event: string } & RecordedTrigger>;
  /** The obligations that apply now (facts, policy, and people's changes). */
  obligations: string[];
  changes: ObligationChange[];
  riskDecisions: RiskDecision[];
  clocks: ClockView[];
  nearestDeadline?: InstantView;
}

const at = (iso: string, authorityZone: string, readerZone: string): InstantView => ({
  utc: iso,
  authority: formatInstant(iso, authorityZone),
  reader: formatInstant(iso, readerZone),
});

/** One clock, kept by an incident or computed for counsel (`klaxon clocks compute`: status "computed"). */
export function clockView(c: Clock & Partial<ObligationClock>, readerZone: string): ClockView {
  const o = obligationById(c.obligation);
  const z = o.recipientZone;
  return {
    obligation: o.id,
    regime: o.regime,
    title: o.title,
    recipient: o.recipient,
    authorityZone: z,
    source: o.source,
    trigger: c.trigger,
    status: c.status ?? 'computed',
    started: at(c.startedAt, z, readerZone),
    due: at(c.dueAt, z, readerZone),
    ...(c.limitedBy ? { limitedBy: c.limitedBy } : {}),
    reminders: c.reminders.map((r) => ({ label: r.label, at: at(r.at, z, readerZone), sent: c.fired?.includes(r.label) ?? false })),
    lateNeedsReasons: o.lateNeedsReasons,
    ...(o.condition ? { condition: o.condition } : {}),
    contents: o.contents,
    ...(c.followUpDueAt ? { followUpDue: at(c.followUpDueAt, z, readerZone) } : {}),
    ...(c.filing ? { filing: c.filing } : {}),
    ...(c.followUps?.length ? { followUps: c.followUps } : {}),
    ...(c.withdrawn ? { withdrawn: c.withdrawn } : {}),
  };
}

/** Every deadline of the incident in UTC, the authority's zone and `readerZone` (an IANA zone; RangeError otherwise). */
export function clocksView(state: IncidentState, legal: { obligations: string[]; nearestDeadline?: string }, readerZone: string): ClocksView {
  return {
    incidentId: state.incidentId,
    readerZone,
    triggers: Object.entries(state.triggers ?? {}).map(([event, t]) => ({ event, ...t! })),
    obligations: legal.obligations,
    changes: state.obligationChanges ?? [],
    riskDecisions: state.riskDecisions ?? [],
    clocks: (state.clocks ?? []).map((c) => clockView(c, readerZone)),
    ...(legal.nearestDeadline ? { nearestDeadline: at(legal.nearestDeadline, 'UTC', readerZone) } : {}),
  };
}

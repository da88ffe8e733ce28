import { minutesBetween, type EvidenceEvent } from '../audit/evidence';
import type { IncidentState } from '../incident/incident';
import { redact } from '../shared/redaction';
import type { DrillFacts } from './drill';

/**
 * The drill report: what a drill showed about the response, read from the drill's state (its
 * pages, levels, acknowledgements, containment and legal clocks) and its ledger timeline, the
 * way an auditor asks for "evidence that the incident response plan is tested". Pure: the
 * client reads the state and the timeline (client/drill-reports.ts) and renders it
 * (./drill-report-formats.ts).
 */

/** What a drill tests: planning, response, recovery and learning (core/audit/sections.ts cites the criteria). */
export const DRILL_CONTROLS = ['SOC 2 CC7.4', 'SOC 2 CC7.5', 'ISO 27001 A.5.24', 'ISO 27001 A.5.26', 'ISO 27001 A.5.27'] as const;

/** A ledger event as the report reads it (the ledger store's events have these fields). */
export type TimelineEvent = Pick<EvidenceEvent, 'kind' | 'occurredAt' | 'actor' | 'payload'>;

export interface LevelFigure {
  level: number;
  pass: number;
  pagedAt: string;
  responders: string[];
  /** Set when this level acknowledged: by whom, when, and how many minutes after it was paged. */
  acknowledgedBy?: string;
  acknowledgedAt?: string;
  minutesToAcknowledge?: number;
  /** Set when nobody at this level answered before the ladder moved on: how long it waited. */
  escalatedAfterMinutes?: number;
  skipped?: string;
}

export interface ResponderFigure {
  responder: string;
  level: number;
  pagedAt: string;
  acknowledgedAt?: string;
  minutesToAcknowledge?: number;
}

export interface Unreachable {
  responder: string;
  /** The channel that failed; `none` when the responder has no channel at all. */
  channel: string;
  reason: string;
  at: string;
}

export interface Failover {
  responder: string;
  from: string;
  to: string;
  failedAt: string;
  tookOverAt: string;
  /** Minutes from the page to the channel that reached the responder. */
  minutesAfterPage: number;
}

export interface ContainmentFigure {
  action: string;
  kind: string;
  tenant: string;
  /** `dry-run` when the plan was only recorded; otherwise the action's status (active, failed, undone…). */
  outcome: string;
  plan?: string;
  at?: string;
}

export interface ClockFigure {
  obligation: string;
  dueAt: string;
  filedAt?: string;
  met: boolean;
}

export interface DrillReport {
  drillId: string;
  scenario: string;
  policy: string;
  tenant: string;
  startedBy: string;
  scheduleId?: string;
  sandboxTenant?: string;
  startedAt: string;
  endedAt?: string;
  /** `pass`: acknowledged, no clock missed, no containment failed; otherwise the findings say what fell short. */
  result: 'pass' | 'fail';
  acknowledge: { byLevel: LevelFigure[]; byResponder: ResponderFigure[] };
  unreachable: Unreachable[];
  failovers: Failover[];
  containment: ContainmentFigure[];
  clocks: ClockFigure[];
  /** Plain sentences derived from the figures: what a reviewer of the drill should read first. */
  findings: string[];
  controls: typeof DRILL_CONTROLS;
}

/** A report was asked of something that is not a drill. */
export class DrillReportError extends Error {
  override readonly name = 'DrillReportError';
}

interface Ack {
  by: string;
  at: string;
  level: number;
}

const text = (v: unknown): string => (typeof v === 'string' ? v : '');

/**
 * Acknowledgements with the level they answered: the ledger's `incident.acknowledged` names it;
 * while the ledger has not caught up yet (it is written at most once a second), the state's
 * acknowledgements, each at the level the ladder stood on then.
 */
function acknowledgements(state: IncidentState, timeline: TimelineEvent[], levels: LevelFigure[]): Ack[] {
  const recorded = timeline.filter((e) => e.kind === 'incident.acknowledged').map((e) => ({ by: e.actor.name, at: e.occurredAt, level: Number(e.payload.level) }));
  if (recorded.length) return recorded;
  const levelAt = (at: string) => levels.filter((l) => l.pagedAt <= at).at(-1)?.level ?? state.level;
  return (state.acks ?? []).map((a) => ({ by: a.by, at: a.at, level: levelAt(a.at) }));
}

function levelFigures(state: IncidentState): LevelFigure[] {
  const records = state.levels ?? [];
  return records.map((r, i) => {
    const next = records[i + 1];
    return { level: r.level, pass: r.pass, pagedAt: r.at, responders: r.paged, ...(r.skipped ? { skipped: r.skipped } : {}), ...(next ? { escalatedAfterMinutes: minutesBetween(r.at, next.at) } : {}) };
  });
}

/** Minutes to acknowledge, per level (the first acknowledgement while it was paged) and per responder paged. */
function acknowledgeFigures(state: IncidentState, timeline: TimelineEvent[]): { figures: DrillReport['acknowledge']; acks: Ack[] } {
  const byLevel = levelFigures(state);
  const acks = acknowledgements(state, timeline, byLevel);
  for (const figure of byLevel) {
    const ack = acks.find((a) => a.level === figure.level && a.at >= figure.pagedAt);
    if (!ack || byLevel.some((l) => l !== figure && l.pagedAt > figure.pagedAt && l.pagedAt <= ack.at)) continue;
    Object.assign(figure, { acknowledgedBy: ack.by, acknowledgedAt: ack.at, minutesToAcknowledge: minutesBetween(figure.pagedAt, ack.at) });
    delete figure.escalatedAfterMinutes;
  }
  const firstPages = new Map<string, { level: number; at: string }>();
  for (const p of state.pages) if (!firstPages.has(p.responder)) firstPages.set(p.responder, { level: p.level, at: p.at });
  const byResponder = [...firstPages].map(([responder, page]) => {
    const ack = acks.find((a) => a.by === responder && a.at >= page.at);
    return { responder, level: page.level, pagedAt: page.at, ...(ack ? { acknowledgedAt: ack.at, minutesToAcknowledge: minutesBetween(page.at, ack.at) } : {}) };
  });
  return { figures: { byLevel, byResponder }, acks };
}

/** Every channel that could not reach a responder (the first Slack message, later notifications), and responders with no channel at all. */
function unreachableOf(state: IncidentState, timeline: TimelineEvent[]): Unreachable[] {
  const failed = state.pages.flatMap((p) => [
    ...(p.failed ? [{ responder: p.responder, channel: 'slack', reason: redact(p.failed), at: p.at }] : []),
    ...(p.notifications ?? []).flatMap((n) => (n.failed ? [{ responder: p.responder, channel: n.channel, reason: redact(n.failed), at: n.at }] : [])),
  ]);
  const noChannel = timeline.filter((e) => e.kind === 'target.unreachable').map((e) => ({ responder: text(e.payload.target), channel: 'none', reason: redact(text(e.payload.reason)), at: e.occurredAt }));
  return [...failed, ...noChannel].sort((a, b) => a.at.localeCompare(b.at));
}

/** A channel failed and another reached the same page's responder after it. */
function failoversOf(state: IncidentState): Failover[] {
  return state.pages.flatMap((p) => {
    const tried = [...(p.failed ? [{ channel: 'slack', at: p.at, failed: p.failed }] : []), ...(p.notifications ?? [])];
    const firstFailure = tried.find((n) => n.failed);
    if (!firstFailure) return [];
    const reached = tried.find((n) => !n.failed && n.channel !== firstFailure.channel && n.at >= firstFailure.at);
    return reached ? [{ responder: p.responder, from: firstFailure.channel, to: reached.channel, failedAt: firstFailure.at, tookOverAt: reached.at, minutesAfterPage: minutesBetween(p.at, reached.at)! }] : [];
  });
}

/** Each containment action: its plan when the drill only recorded it, else what became of it. */
function containmentOf(state: IncidentState, timeline: TimelineEvent[]): ContainmentFigure[] {
  const plans = new Map(timeline.filter((e) => e.kind === 'containment.dry_run').map((e): [string, TimelineEvent] => [text(e.payload.action), e]));
  const actions: ContainmentFigure[] = (state.containment ?? []).map((a) => {
    const plan = plans.get(a.id);
    plans.delete(a.id);
    return plan
      ? { action: a.id, kind: a.spec.kind, tenant: a.tenant, outcome: 'dry-run', plan: redact(text(plan.payload.plan)), at: plan.occurredAt }
      : { action: a.id, kind: a.spec.kind, tenant: a.tenant, outcome: a.status, ...(a.appliedAt ? { at: a.appliedAt } : {}), ...(a.failure ? { plan: redact(a.failure) } : {}) };
  });
  for (const [action, e] of plans) {
    actions.push({ action, kind: text((e.payload.spec as { kind?: unknown } | undefined)?.kind), tenant: text(e.payload.tenant), outcome: 'dry-run', plan: redact(text(e.payload.plan)), at: e.occurredAt });
  }
  return actions;
}

/** The legal clocks on the scenario's timeline: met when the filing came by the deadline. Withdrawn obligations are left out (a person decided they do not apply). */
const clocksOf = (state: IncidentState): ClockFigure[] =>
  (state.clocks ?? [])
    .filter((c) => c.status !== 'withdrawn')
    .map((c) => ({ obligation: c.obligation, dueAt: c.dueAt, ...(c.filing ? { filedAt: c.filing.filedAt } : {}), met: c.filing !== undefined && Date.parse(c.filing.filedAt) <= Date.parse(c.dueAt) }));

const CHANNEL_NAMES: Record<string, string> = { slack: 'Slack', pagerduty: 'PagerDuty', email: 'e-mail' };
const channelName = (id: string): string => CHANNEL_NAMES[id] ?? id;
const hours = (ms: number): string => (ms >= 3_600_000 ? `${Math.round(ms / 360_000) / 10} h` : `${Math.round(ms / 6_000) / 10} min`);

/** The sentences a reviewer reads first: who did not answer, what failed and what took over, clocks missed. */
function findingsOf(report: Omit<DrillReport, 'findings' | 'result'>, drill: DrillFacts, acks: Ack[], asOf: string | undefined): string[] {
  const out: string[] = [];
  for (const l of report.acknowledge.byLevel) {
    if (l.skipped) out.push(`level ${l.level} was skipped: ${l.skipped}`);
    else if (l.escalatedAfterMinutes !== undefined) out.push(`level ${l.level} (${l.responders.join(', ') || 'nobody'}) did not answer within its ${l.escalatedAfterMinutes} minutes`);
  }
  const first = acks[0];
  out.push(first ? `acknowledged by ${first.by} at level ${first.level} after ${minutesBetween(report.startedAt, first.at)} min` : 'nobody acknowledged the drill');
  for (const inject of drill.injects) {
    if (inject.kind !== 'channel-down') continue;
    const took = report.failovers.filter((f) => f.from === inject.channel);
    const down = `${channelName(inject.channel)} was down ${hours(Date.parse(inject.until) - Date.parse(inject.from))}`;
    out.push(took.length ? `${down}: ${took.map((f) => `${channelName(f.to)} took over for ${f.responder} after ${f.minutesAfterPage} min`).join('; ')}` : `${down}: no other channel took over`);
  }
  for (const inject of drill.injects) {
    if (inject.kind === 'responder-silent') out.push(`${inject.responder} was silent (inject)${acks.some((a) => a.by === inject.responder) ? ' but is recorded acknowledging' : ''}`);
  }
  for (const u of report.unreachable) {
    if (report.failovers.some((f) => f.responder === u.responder && f.from === u.channel)) continue;
    out.push(u.channel === 'none' ? `${u.responder} could not be paged at all: ${u.reason}` : `${u.responder} could not be reached on ${channelName(u.channel)}: ${u.reason}`);
  }
  for (const c of report.containment) if (c.outcome === 'failed') out.push(`containment ${c.action} (${c.kind}) failed${c.plan ? `: ${c.plan}` : ''}`);
  for (const c of report.clocks) {
    if (c.filedAt) out.push(`${c.obligation} was filed ${hours(Math.abs(Date.parse(c.dueAt) - Date.parse(c.filedAt)))} ${c.met ? 'before' : 'after'} its deadline`);
    else if (missed(c, asOf)) out.push(`${c.obligation} was not filed by its deadline ${c.dueAt}`);
    else out.push(`${c.obligation} was not filed (due ${c.dueAt})`);
  }
  return out;
}

/** A clock filed after its deadline, or not filed when the deadline had passed by `asOf`. */
const missed = (c: ClockFigure, asOf: string | undefined): boolean => (c.filedAt ? !c.met : asOf !== undefined && Date.parse(c.dueAt) <= Date.parse(asOf));

/**
 * The drill's report from its state and its ledger timeline. `now` (ISO) judges the deadlines of
 * a drill still open: a clock unfiled past its deadline then is missed; an ended drill is
 * judged as it ended.
 */
export function drillReport(state: IncidentState, timeline: TimelineEvent[], now?: string): DrillReport {
  const drill = state.drill;
  if (!drill) throw new DrillReportError(`${state.incidentId} is an incident, not a drill`);
  const endedAt = state.resolvedAt ?? state.falsePositive?.at;
  const { figures, acks } = acknowledgeFigures(state, timeline);
  const base = {
    drillId: drill.drillId,
    scenario: drill.scenario,
    policy: state.policyName,
    tenant: state.tenant,
    startedBy: drill.startedBy,
    ...(drill.scheduleId ? { scheduleId: drill.scheduleId } : {}),
    ...(drill.sandboxTenant ? { sandboxTenant: drill.sandboxTenant } : {}),
    startedAt: state.openedAt,
    ...(endedAt ? { endedAt } : {}),
    acknowledge: figures,
    unreachable: unreachableOf(state, timeline),
    failovers: failoversOf(state),
    containment: containmentOf(state, timeline),
    clocks: clocksOf(state),
    controls: DRILL_CONTROLS,
  };
  const asOf = endedAt ?? now;
  const findings = findingsOf(base, drill, acks, asOf);
  const passed = acks.length > 0 && !base.clocks.some((c) => missed(c, asOf)) && !base.containment.some((c) => c.outcome === 'failed');
  return { ...base, result: passed ? 'pass' : 'fail', findings };
}

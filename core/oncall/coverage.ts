import type { Policy, Responder, Target } from '../policy/policy';
import { endOf, timeline, type Schedule, type Shift } from '../escalation/schedule';
import { rulesFor } from '../escalation/notification-rules';
import { formatInstant } from '../shared/time-format';
import { withLiveRoster, type RuntimeOverride } from './runtime-override';

/**
 * Coverage gaps: the periods ahead where a policy would page nobody, found before they bite
 * (`klaxon coverage`, `klaxon policy validate`, the daily check, `klaxon_coverage_gaps`).
 * Pure: every reader computes them from a policy, the run-time overrides and an instant.
 *
 * Level conditions are set aside on purpose: a level that applies only to SEV1, or only in
 * business hours, is still a rung the ladder may stand on, and the first incident it applies to
 * arrives when it will; a conditional level with nobody behind it is reported like any other.
 */

export const GAP_KINDS = ['nobody-on-call', 'unreachable', 'layer-ending'] as const;
export type GapKind = (typeof GAP_KINDS)[number];

export interface CoverageGap {
  /** nobody-on-call: a level (or `exhausted`) would page nobody; unreachable: a responder it may page has no channel; layer-ending: a layer's `end` falls in the horizon. */
  kind: GapKind;
  policy: string;
  /** 1-based level number, or 'exhausted' for the policy's exhausted targets. */
  level?: number | 'exhausted';
  schedule?: string;
  layer?: string;
  responder?: string;
  /** UTC ISO instants: the gap covers from ≤ t < to (to is the horizon's end when it lasts beyond it). */
  from: string;
  to: string;
  /** One sentence naming the gap, without times (readers show them in their own zone). */
  message: string;
}

/** The horizon is bounded: days 1..90 (a 90-day timeline of hourly turns stays cheap). */
export const COVERAGE_DAYS = { min: 1, max: 90, default: 14 } as const;

export class CoverageError extends Error {
  override readonly name = 'CoverageError';
}

const DAY_MS = 86_400_000;

/** A responder is reachable when both urgencies give them at least one channel to be paged on. */
export function reachable(r: Responder): boolean {
  return rulesFor(r, 'high').length > 0 && rulesFor(r, 'low').length > 0;
}

interface Span {
  from: number;
  to: number;
}

/** Consecutive spans joined: the gaps a reader sees are whole periods, not the shifts that make them. */
function merged(spans: Span[]): Span[] {
  const out: Span[] = [];
  for (const s of [...spans].sort((a, b) => a.from - b.from)) {
    const last = out.at(-1);
    if (last && s.from <= last.to) last.to = Math.max(last.to, s.to);
    else out.push({ ...s });
  }
  return out;
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** The shift of a timeline (consecutive, sorted) holding `at`, by binary search: a level's edges are many when turns are short. */
function shiftAt(shifts: readonly Shift[], at: number): Shift | undefined {
  let lo = 0;
  let hi = shifts.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (shifts[mid].to <= at) lo = mid + 1;
    else if (shifts[mid].from > at) hi = mid - 1;
    else return shifts[mid];
  }
  return undefined;
}

const levelName = (level: number | 'exhausted'): string => (level === 'exhausted' ? 'the exhausted targets' : `level ${level}`);

/** Every gap of `policy` (its schedules with the live overrides merged) over [from, from + days). */
export function coverageGaps(policy: Policy, overrides: readonly RuntimeOverride[], from: number, days: number): CoverageGap[] {
  if (!(Number.isInteger(days) && days >= COVERAGE_DAYS.min && days <= COVERAGE_DAYS.max)) {
    throw new CoverageError(`days must be a whole number from ${COVERAGE_DAYS.min} to ${COVERAGE_DAYS.max}`);
  }
  const live = withLiveRoster(policy, overrides);
  const to = from + days * DAY_MS;
  const people = new Map(live.responders.map((r) => [r.name, r]));
  // A name the policy does not know (a stale run-time override) reaches nobody.
  const reaches = (name: string): boolean => {
    const r = people.get(name);
    return r !== undefined && reachable(r);
  };
  const schedules = new Map((live.schedules ?? []).map((s) => [s.name, s]));
  const shifts = new Map([...schedules].map(([name, s]) => [name, timeline(s, from, to)]));
  const gaps: CoverageGap[] = [];

  // Why a target stands for nobody reachable at `at`; undefined when it reaches someone.
  const whyNobody = (t: Target, at: number): string | undefined => {
    if (typeof t === 'string') return reaches(t) ? undefined : `${t} has no channel`;
    if ('slackChannel' in t) return undefined;
    if ('team' in t) return (live.teams ?? []).find((x) => x.name === t.team)!.members.some(reaches) ? undefined : `nobody of team ${t.team} has a channel`;
    const onCall = shiftAt(shifts.get(t.schedule)!, at)?.responder;
    if (onCall === undefined) return `schedule ${t.schedule} has nobody on call`;
    return reaches(onCall) ? undefined : `schedule ${t.schedule} has ${onCall} on call, who has no channel`;
  };

  const ladders: Array<{ level: number | 'exhausted'; targets: Target[] }> = [
    ...live.levels.map((l, i) => ({ level: i + 1, targets: l.targets })),
    ...(live.exhausted?.length ? [{ level: 'exhausted' as const, targets: live.exhausted }] : []),
  ];
  const unreachable = new Map<string, { level: number | 'exhausted'; schedule?: string; spans: Span[] }>();
  const noteUnreachable = (name: string, level: number | 'exhausted', span: Span, schedule?: string) => {
    if (reaches(name)) return;
    const key = `${level}\u0000${schedule ?? ''}\u0000${name}`;
    const entry = unreachable.get(key) ?? { level, schedule, spans: [] };
    entry.spans.push(span);
    unreachable.set(key, entry);
  };

  for (const { level, targets } of ladders) {
    // The instants where what a level stands for may change: its schedules' hand-offs.
    const edges = new Set<number>([from]);
    for (const t of targets) if (typeof t !== 'string' && 'schedule' in t) for (const s of shifts.get(t.schedule)!) edges.add(s.from);
    const sorted = [...edges].sort((a, b) => a - b);
    const empty: Array<Span & { why: string }> = [];
    sorted.forEach((start, i) => {
      const why = targets.map((t) => whyNobody(t, start));
      if (why.some((w) => w === undefined)) return;
      const span = { from: start, to: sorted[i + 1] ?? to, why: why.join('; ') };
      // Joined with the span before when nothing but the hand-off changed (the same reasons).
      const last = empty.at(-1);
      if (last && last.to === span.from && last.why === span.why) last.to = span.to;
      else empty.push(span);
    });
    for (const span of empty) {
      gaps.push({
        kind: 'nobody-on-call',
        policy: live.name,
        level,
        ...(targets.length === 1 && typeof targets[0] !== 'string' && 'schedule' in targets[0] ? { schedule: targets[0].schedule } : {}),
        from: iso(span.from),
        to: iso(span.to),
        message: `${levelName(level)} of policy "${live.name}" would page nobody: ${span.why}`,
      });
    }
    for (const t of targets) {
      if (typeof t === 'string') noteUnreachable(t, level, { from, to });
      else if ('team' in t) for (const m of (live.teams ?? []).find((x) => x.name === t.team)!.members) noteUnreachable(m, level, { from, to });
      else if ('schedule' in t) for (const s of shifts.get(t.schedule)!) if (s.responder !== undefined) noteUnreachable(s.responder, level, s, t.schedule);
    }
  }
  for (const [key, { level, schedule, spans }] of unreachable) {
    const responder = key.split('\u0000')[2];
    for (const span of merged(spans)) {
      gaps.push({
        kind: 'unreachable',
        policy: live.name,
        level,
        ...(schedule !== undefined ? { schedule } : {}),
        responder,
        from: iso(span.from),
        to: iso(span.to),
        message: `${levelName(level)} of policy "${live.name}" may page ${responder}${schedule !== undefined ? ` (on call for schedule ${schedule})` : ''}, who has no channel: no Slack user id, PagerDuty service or email, or no notification rule for an urgency`,
      });
    }
  }
  for (const schedule of live.schedules ?? []) gaps.push(...layerEndings(live.name, schedule, from, to));
  return gaps.sort((a, b) => a.from.localeCompare(b.from) || GAP_KINDS.indexOf(a.kind) - GAP_KINDS.indexOf(b.kind));
}

function layerEndings(policy: string, schedule: Schedule, from: number, to: number): CoverageGap[] {
  return schedule.layers.flatMap((layer) => {
    const end = endOf(layer);
    if (!(end >= from && end < to)) return [];
    return [
      {
        kind: 'layer-ending' as const,
        policy,
        schedule: schedule.name,
        layer: layer.name,
        from: iso(end),
        to: iso(to),
        message: `layer "${layer.name}" of schedule ${schedule.name} (policy "${policy}") ends (${layer.end} ${layer.zone}) and covers nothing after`,
      },
    ];
  });
}

/** How many gaps of each kind: what the metric and the summaries show. */
export function countByKind(gaps: readonly CoverageGap[]): Record<GapKind, number> {
  const counts = Object.fromEntries(GAP_KINDS.map((k) => [k, 0])) as Record<GapKind, number>;
  for (const g of gaps) counts[g.kind] += 1;
  return counts;
}

/** A gap as a reader sees it: its period in their zone (the zone named), then what it is. */
export function describeGap(g: CoverageGap, zone: string): string {
  return `${formatInstant(g.from, zone)} to ${formatInstant(g.to, zone)}: ${g.message}`;
}

/** Whether two gaps are of the same thing (kind, policy, level, schedule, layer, person), times aside. */
const sameThing = (a: CoverageGap, b: CoverageGap): boolean =>
  a.kind === b.kind && a.policy === b.policy && a.level === b.level && a.schedule === b.schedule && a.layer === b.layer && a.responder === b.responder;

/**
 * The gaps of `current` that `previous` did not show: a gap is known when a previous one of the
 * same thing overlaps it (horizons slide, so a gap under way starts "now" at every check, and
 * one reaching past the horizon grows with it). A night beyond the previous horizon is new.
 */
export function newGaps(current: readonly CoverageGap[], previous: readonly CoverageGap[]): CoverageGap[] {
  return current.filter((g) => !previous.some((p) => sameThing(p, g) && p.from < g.to && g.from < p.to));
}

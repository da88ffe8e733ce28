// Workflow-safe: workflow code imports this module; keep Node-only modules out (test/workflow/bundle.test.ts).
import { DateTime, Duration, IANAZone } from 'luxon';
import { CLOCK_TIME, spanCovers } from './hours';

/**
 * On-call schedules: layers of rotations whose hand-offs are wall-clock times in a named
 * zone, so a 09:00 hand-off stays at 09:00 local across DST; overrides on top. Pure: the
 * workflow, the simulator and the tests all call these functions.
 */
export interface Layer {
  name: string;
  /** Responder names, in rotation order. */
  members: string[];
  /** IANA zone in which `start`, the turn length and `hours` are read. */
  zone: string;
  /** First hand-off, local date-time in `zone` (e.g. 2026-01-05T09:00). */
  start: string;
  /** One turn: calendar days or weeks keep the local hand-off time; hours are elapsed time. */
  turn: { days?: number; weeks?: number; hours?: number };
  /** Follow-the-sun: the layer covers only these local hours (to may be before from: over midnight). */
  hours?: { from: string; to: string };
  /** Local date-time in `zone` after which the layer covers nothing (a rotation being retired). */
  end?: string;
}

export interface Override {
  responder: string;
  /** UTC instants (ISO); the override covers from ≤ t < to. */
  from: string;
  to: string;
  /**
   * Only where the layers would have this responder on call (a shift swap takes over one
   * person's turns, not the whole slot); absent: the whole slot, as in a policy file.
   */
  replaces?: string;
}

export interface Schedule {
  name: string;
  /** Later layers take precedence where they are active, as on PagerDuty. */
  layers: Layer[];
  overrides: Override[];
  /** A message to the incoming responder this many minutes before each hand-off (core/oncall/handoff.ts). */
  handoffNotice?: { minutesBefore: number };
}

export interface OnCall {
  /** Who is on call, or undefined when no layer covers the instant. */
  responder?: string;
  /** Why: the layer, or 'override'. */
  via?: string;
  /** Each layer's own on-call at the instant (undefined outside its hours). */
  layers: Array<{ layer: string; responder?: string }>;
}

export class ScheduleError extends Error {
  override readonly name = 'ScheduleError';
}

export function validateSchedule(s: Schedule): Schedule {
  const problems: string[] = [];
  s.layers.forEach((l, i) => {
    const at = `layer ${i + 1} "${l.name}"`;
    if (l.members.length === 0) problems.push(`${at}: no members`);
    if (!IANAZone.isValidZone(l.zone)) problems.push(`${at}: "${l.zone}" is not an IANA time zone`);
    else if (!DateTime.fromISO(l.start, { zone: l.zone }).isValid) problems.push(`${at}: start "${l.start}" is not a local date-time`);
    const ms = Duration.fromObject(l.turn).as('milliseconds');
    if (!(ms > 0)) problems.push(`${at}: turn must be a positive number of days, weeks or hours`);
    if (l.end !== undefined && IANAZone.isValidZone(l.zone) && !(DateTime.fromISO(l.end, { zone: l.zone }).isValid && endOf(l) > startOf(l).toMillis())) {
      problems.push(`${at}: end "${l.end}" is not a local date-time after start`);
    }
    if (l.hours && !(CLOCK_TIME.test(l.hours.from) && CLOCK_TIME.test(l.hours.to) && l.hours.from !== l.hours.to)) {
      problems.push(`${at}: hours must be two different HH:mm times`);
    }
  });
  s.overrides.forEach((o, i) => {
    if (!(Date.parse(o.from) < Date.parse(o.to))) problems.push(`override ${i + 1} (${o.responder}): from must be before to`);
  });
  if (problems.length) throw new ScheduleError(`schedule "${s.name}": ${problems.join('; ')}`);
  return s;
}

function startOf(layer: Layer): DateTime {
  return DateTime.fromISO(layer.start, { zone: layer.zone });
}

/** The instant the layer ends (UTC ms), or Infinity for a layer without `end`. */
export function endOf(layer: Layer): number {
  return layer.end === undefined ? Infinity : DateTime.fromISO(layer.end, { zone: layer.zone }).toMillis();
}

/** The instant of the k-th hand-off (k may be negative: turns before the start). */
export function handoff(layer: Layer, k: number): number {
  const t = layer.turn;
  return startOf(layer)
    .plus({ days: (t.days ?? 0) * k, weeks: (t.weeks ?? 0) * k, hours: (t.hours ?? 0) * k })
    .toMillis();
}

/** The turn in force at `at`: the largest k with handoff(k) ≤ at. */
export function turnAt(layer: Layer, at: number): number {
  const approx = Duration.fromObject(layer.turn).as('milliseconds');
  let k = Math.floor((at - startOf(layer).toMillis()) / approx);
  // Calendar turns drift from the average by at most a DST hour; step to the exact turn.
  while (handoff(layer, k) > at) k -= 1;
  while (handoff(layer, k + 1) <= at) k += 1;
  return k;
}

/** Whether a layer covers `at`: before its end, and inside its hours when it is follow-the-sun. */
export function covers(layer: Layer, at: number): boolean {
  if (at >= endOf(layer)) return false;
  if (!layer.hours) return true;
  const local = DateTime.fromMillis(at, { zone: layer.zone });
  return spanCovers(layer.hours.from, layer.hours.to, local.hour * 60 + local.minute);
}

function memberOf(layer: Layer, k: number): string {
  const n = layer.members.length;
  return layer.members[((k % n) + n) % n];
}

export function onCallAt(schedule: Schedule, at: number): OnCall {
  const layers = schedule.layers.map((l) => ({ layer: l.name, responder: covers(l, at) ? memberOf(l, turnAt(l, at)) : undefined }));
  const top = [...layers].reverse().find((l) => l.responder !== undefined);
  // The last override listed wins, as later layers do; a swap only where its person would be on call.
  const override = [...schedule.overrides]
    .reverse()
    .find((o) => Date.parse(o.from) <= at && at < Date.parse(o.to) && (o.replaces === undefined || o.replaces === top?.responder));
  if (override) return { responder: override.responder, via: 'override', layers };
  return { responder: top?.responder, via: top?.layer, layers };
}

export interface Shift {
  from: number;
  to: number;
  responder?: string;
  via?: string;
}

/** Instants in [from, to) where a layer's hours begin or end, found minute by minute at the edges. */
function hourEdges(layer: Layer, from: number, to: number): number[] {
  if (!layer.hours) return [];
  const edges: number[] = [];
  let day = DateTime.fromMillis(from, { zone: layer.zone }).startOf('day').minus({ days: 1 });
  for (; day.toMillis() < to; day = day.plus({ days: 1 })) {
    for (const hhmm of [layer.hours.from, layer.hours.to]) {
      const [hour, minute] = hhmm.split(':').map(Number);
      const t = day.set({ hour, minute }).toMillis();
      if (t >= from && t < to) edges.push(t);
    }
  }
  return edges;
}

/** Who is on call from `from` to `to`, as consecutive shifts (the schedule's timeline). */
export function timeline(schedule: Schedule, from: number, to: number): Shift[] {
  const edges = new Set<number>([from]);
  for (const l of schedule.layers) {
    for (let k = turnAt(l, from) + 1; handoff(l, k) < to; k++) edges.add(handoff(l, k));
    for (const e of hourEdges(l, from, to)) edges.add(e);
    if (endOf(l) > from && endOf(l) < to) edges.add(endOf(l));
  }
  for (const o of schedule.overrides) for (const e of [Date.parse(o.from), Date.parse(o.to)]) if (e > from && e < to) edges.add(e);
  const sorted = [...edges].sort((a, b) => a - b);
  const shifts: Shift[] = [];
  sorted.forEach((start, i) => {
    const { responder, via } = onCallAt(schedule, start);
    const end = sorted[i + 1] ?? to;
    const last = shifts.at(-1);
    if (last && last.responder === responder && last.via === via) last.to = end;
    else shifts.push({ from: start, to: end, responder, via });
  });
  return shifts;
}

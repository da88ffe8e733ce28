import { onCallAt, timeline } from '../escalation/schedule';
import type { Policy } from '../policy/policy';
import { formatInstant } from '../shared/time-format';
import { withRuntimeOverrides, type RuntimeOverride } from './runtime-override';

/** How far ahead "next shifts" look, and how many are listed at most. */
export const NEXT_SHIFTS = { days: 7, most: 10 } as const;

export interface ShiftView {
  /** UTC ISO instants, and the same shown in the reader's zone (zone named). */
  from: string;
  to: string;
  fromLocal: string;
  toLocal: string;
  responder?: string;
  /** The layer that has them on call, or `override` (the policy file's) or `override <id>` (run-time). */
  via?: string;
}

export interface ScheduleOnCall {
  policy: string;
  schedule: string;
  zone: string;
  at: string;
  now: ShiftView;
  next: ShiftView[];
}

/** The run-time override that decides a shift, if one does (the last taken wins, as withRuntimeOverrides orders them). */
function runtimeOverrideAt(policy: Policy, schedule: string, overrides: readonly RuntimeOverride[], responder: string | undefined, at: number): RuntimeOverride | undefined {
  return overrides
    .filter((o) => o.policy === policy.name && o.schedule === schedule && o.cancelledAt === undefined && o.responder === responder)
    .filter((o) => Date.parse(o.from) <= at && at < Date.parse(o.to))
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id))
    .at(-1);
}

/**
 * Who is on call on each schedule of the policy (or the one named) at `at`, and the shifts of
 * the next NEXT_SHIFTS.days (at most NEXT_SHIFTS.most), the live roster included: what
 * `klaxon oncall` and `GET /v1/oncall` show, through the same functions an incident pages by.
 */
export function whoIsOnCall(policy: Policy, overrides: readonly RuntimeOverride[], o: { at: number; zone: string; schedule?: string }): ScheduleOnCall[] {
  const end = o.at + NEXT_SHIFTS.days * 86_400_000;
  return (policy.schedules ?? [])
    .filter((s) => o.schedule === undefined || s.name === o.schedule)
    .map((pinned) => {
      const live = withRuntimeOverrides(policy.name, pinned, overrides);
      const view = (from: number, to: number, responder: string | undefined, via: string | undefined): ShiftView => {
        const runtime = via === 'override' ? runtimeOverrideAt(policy, pinned.name, overrides, responder, from) : undefined;
        const iso = [new Date(from).toISOString(), new Date(to).toISOString()];
        return {
          from: iso[0],
          to: iso[1],
          fromLocal: formatInstant(iso[0], o.zone),
          toLocal: formatInstant(iso[1], o.zone),
          ...(responder !== undefined ? { responder } : {}),
          ...(via !== undefined ? { via: runtime ? `override ${runtime.id}` : via } : {}),
        };
      };
      const shifts = timeline(live, o.at, end);
      const current = shifts[0];
      const now = onCallAt(live, o.at);
      return {
        policy: policy.name,
        schedule: pinned.name,
        zone: o.zone,
        at: new Date(o.at).toISOString(),
        now: view(o.at, current.to, now.responder, now.via),
        next: shifts.slice(1, 1 + NEXT_SHIFTS.most).map((s) => view(s.from, s.to, s.responder, s.via)),
      };
    });
}

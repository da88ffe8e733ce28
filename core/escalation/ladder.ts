// Workflow-safe: workflow code imports this module; keep Node-only modules out (test/workflow/bundle.test.ts).
import { DEFAULT_BUSINESS_HOURS, DEFAULT_QUIET_HOURS, withinHours, type HoursWindow } from './hours';
import type { EscalationLevel, HoursZone, Policy, Responder, Target } from '../policy/policy';
import { onCallAt } from './schedule';
import type { Severity } from '../alerts/severity';
import type { AuditPayload } from '../audit/events';
import { rulesFor, urgencyOf, type NotificationRule, type Urgency } from './notification-rules';
import { addressesOf, type Addresses } from '../channels/channels';

/**
 * How one level of a ladder turns into the people and channels to page at a given instant:
 * conditions, schedules, teams, round-robin and reachability. Pure, so the workflow and
 * `klaxon simulate` run the very same rules.
 */

/** Someone (or somewhere) a level pages. */
export interface Recipient extends Addresses {
  /** Responder name, or `#<channel id>` for a channel. */
  name: string;
  slackChannel?: string;
  timeZone?: string;
  /** How this recipient is notified at the incident's urgency, first rule first. */
  rules: NotificationRule[];
}

/** Something the resolution decided that the audit must keep (e.g. why a target was not paged). */
export type LadderNote = { [K in NoteKind]: { kind: K; payload: Omit<AuditPayload<K>, 'pass'> } }[NoteKind];
type NoteKind = 'target.unresolved' | 'target.unreachable' | 'target.outside_hours';

export interface LevelResolution {
  recipients: Recipient[];
  /** Why the level pages nobody, when it does not. */
  skipped?: string;
  notes: LadderNote[];
}

/** What the resolution needs to know about the incident. */
export interface LadderContext {
  incidentId: string;
  severity: Severity;
  dataCategories: string[];
  pass: number;
  /** 1 for the first run of the ladder, +1 each time the incident re-triggers. */
  trigger: number;
  at: number;
}

/** FNV-1a: a stable, well-spread number from the incident id, so round-robin starts differ per incident. */
function spread(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

function responderNamed(policy: Policy, name: string): Responder {
  const r = policy.responders.find((x) => x.name === name);
  if (!r) throw new Error(`policy "${policy.name}" names unknown responder "${name}"`);
  return r;
}

/** A responder as a recipient, with the notification rules of the incident's urgency. */
export function asRecipient(r: Responder, urgency: Urgency): Recipient {
  return {
    name: r.name,
    timeZone: r.timeZone,
    ...addressesOf(r),
    rules: rulesFor(r, urgency),
  };
}

/** The recipients a target stands for at `at`, with a note when it stands for nobody. */
function expand(policy: Policy, target: Target, at: number, notes: LadderNote[], level: number, urgency: Urgency): Recipient[] {
  if (typeof target === 'string') return [asRecipient(responderNamed(policy, target), urgency)];
  if ('slackChannel' in target) return [{ name: `#${target.slackChannel}`, slackChannel: target.slackChannel, rules: [{ channel: 'slack', afterMinutes: 0 }] }];
  if ('team' in target) {
    const team = policy.teams?.find((t) => t.name === target.team);
    if (!team) throw new Error(`policy "${policy.name}" names unknown team "${target.team}"`);
    return team.members.map((m) => asRecipient(responderNamed(policy, m), urgency));
  }
  const schedule = policy.schedules?.find((s) => s.name === target.schedule);
  if (!schedule) throw new Error(`policy "${policy.name}" names unknown schedule "${target.schedule}"`);
  const onCall = onCallAt(schedule, at).responder;
  if (onCall === undefined) {
    notes.push({ kind: 'target.unresolved', payload: { level, schedule: target.schedule, reason: 'nobody is on call' } });
    return [];
  }
  return [asRecipient(responderNamed(policy, onCall), urgency)];
}

/** A level-wide hours condition in a named zone, or a per-target one ("target"). */
interface HoursCondition {
  zone: HoursZone;
  window: HoursWindow;
  /** Holds inside the window (business hours) or outside it (quiet hours). */
  inside: boolean;
  label: string;
}

function hoursConditions(policy: Policy, level: EscalationLevel): HoursCondition[] {
  const out: HoursCondition[] = [];
  const when = level.when ?? {};
  if (when.businessHours) out.push({ zone: when.businessHours, window: policy.businessHours ?? DEFAULT_BUSINESS_HOURS, inside: true, label: 'business hours' });
  if (when.outsideQuietHours) out.push({ zone: when.outsideQuietHours, window: policy.quietHours ?? DEFAULT_QUIET_HOURS, inside: false, label: 'quiet hours' });
  return out;
}

const holds = (c: HoursCondition, at: number, zone: string): boolean => withinHours(c.window, at, zone) === c.inside;

const describe = (c: HoursCondition, zone: string): string => `${c.inside ? 'outside' : 'inside'} ${c.label} in ${zone}`;

/** Why level `levelNumber` does not apply to the incident at `ctx.at` (severity, data categories, level-wide hours), if it does not. */
export function levelNotApplying(policy: Policy, levelNumber: number, ctx: LadderContext): string | undefined {
  const level = policy.levels[levelNumber - 1];
  const when = level.when ?? {};
  if (when.severity && !when.severity.includes(ctx.severity)) return `applies to ${when.severity.join(', ')}, the incident is ${ctx.severity}`;
  if (when.dataCategories && !when.dataCategories.some((c) => ctx.dataCategories.includes(c))) {
    return `applies to data categories ${when.dataCategories.join(', ')}, the incident involves ${ctx.dataCategories.join(', ') || 'none'}`;
  }
  const unmet = hoursConditions(policy, level).find((c) => c.zone !== 'target' && !holds(c, ctx.at, c.zone));
  return unmet && describe(unmet, unmet.zone);
}

/** Whether targets name a schedule (whose run-time overrides the live roster reads). */
export const targetsSchedule = (targets: readonly Target[]): boolean => targets.some((t) => typeof t === 'object' && 'schedule' in t);

/** Resolves level `levelNumber` (1-based) of the policy for the incident at `ctx.at`. */
export function resolveLevel(policy: Policy, levelNumber: number, ctx: LadderContext): LevelResolution {
  const level = policy.levels[levelNumber - 1];
  const notes: LadderNote[] = [];
  const notApplying = levelNotApplying(policy, levelNumber, ctx);
  if (notApplying) return { recipients: [], notes, skipped: notApplying };
  const hours = hoursConditions(policy, level);

  let recipients: Recipient[] = [];
  for (const target of level.targets) {
    for (const r of expand(policy, target, ctx.at, notes, levelNumber, urgencyOf(ctx.severity))) if (!recipients.some((x) => x.name === r.name)) recipients.push(r);
  }
  // Per-target hours: a responder is paged only inside their own hours; channels have none.
  recipients = recipients.filter((r) => {
    const failed = hours.find((c) => c.zone === 'target' && r.timeZone !== undefined && !holds(c, ctx.at, r.timeZone));
    if (failed) notes.push({ kind: 'target.outside_hours', payload: { level: levelNumber, target: r.name, reason: describe(failed, r.timeZone!) } });
    return !failed;
  });
  recipients = recipients.filter((r) => {
    const reachable = r.rules.length > 0;
    if (!reachable) notes.push({ kind: 'target.unreachable', payload: { level: levelNumber, target: r.name, reason: 'no channel: the responder has no Slack user id, PagerDuty service or email' } });
    return reachable;
  });
  if (level.roundRobin && recipients.length > 1) {
    const turn = (spread(ctx.incidentId) + ctx.pass - 1 + ctx.trigger - 1) % recipients.length;
    recipients = [recipients[turn]];
  }
  if (recipients.length > 0) return { recipients, notes };
  const why = notes.map((n) => `${'target' in n.payload ? n.payload.target : `schedule ${n.payload.schedule}`} ${n.payload.reason}`);
  return { recipients, notes, skipped: `nobody to page (${why.join('; ')})` };
}

/** The recipients of the policy's `exhausted` targets (paged once when nobody acknowledged). */
export function resolveExhausted(policy: Policy, at: number, severity: Severity): Recipient[] {
  const notes: LadderNote[] = [];
  const out: Recipient[] = [];
  for (const t of policy.exhausted ?? []) for (const r of expand(policy, t, at, notes, 0, urgencyOf(severity))) if (!out.some((x) => x.name === r.name) && r.rules.length > 0) out.push(r);
  return out;
}

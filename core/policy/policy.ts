// Workflow-safe: workflow code imports this module; keep Node-only modules out (test/workflow/bundle.test.ts).
import { IANAZone } from 'luxon';
import { SEVERITIES, type Severity } from '../alerts/severity';
import { hoursProblems, type HoursWindow } from '../escalation/hours';
import { specProblems, type ContainmentPolicy } from '../containment/containment';
import { OBLIGATIONS } from '../regulation/regimes';
import { REMINDER_PATTERN } from '../regulation/reminders';
import { hasChannel, type NotificationRule, type Urgency } from '../escalation/notification-rules';
import { contactProblems, type Contacts } from '../channels/channels';
import { validateSchedule, type Schedule } from '../escalation/schedule';
import type { HeartbeatMonitor } from '../heartbeats/heartbeat-monitor';
import { REVIEW_BOUNDS, type ReviewSettings } from '../reviews/review-settings';

/**
 * A person who can be paged and may act on incidents, reached by the contact fields each
 * channel adds (core/channels/). A responder with no channel at all cannot be paged: recorded
 * when a level reaches them, never skipped silently.
 */
export interface Responder extends Contacts {
  name: string;
  /** Personal notification rules per urgency; without them, every channel at once. */
  notify?: Partial<Record<Urgency, NotificationRule[]>>;
  /** IANA zone in which this responder reads times and keeps business hours. */
  timeZone: string;
  /** e.g. "dpo", "approver": later features grant rights by role. */
  roles?: string[];
}

/** Named group of responders; a level that targets a team pages every member. */
export interface Team {
  name: string;
  members: string[];
}

/**
 * Who a level pages: a responder by name, whoever a schedule has on call at that moment,
 * every member of a team, or a Slack channel.
 */
export type Target = string | { schedule: string } | { team: string } | { slackChannel: string };

/** Where a level's hours condition is read: in each target's own zone, or in a named IANA zone. */
export type HoursZone = 'target' | (string & {});

/**
 * When a level applies. A level whose conditions do not hold when the ladder reaches it is
 * skipped, and the skip is recorded with its reason.
 */
export interface LevelConditions {
  /** Only for incidents of these severities. */
  severity?: Severity[];
  /** Only for incidents involving at least one of these data categories. */
  dataCategories?: string[];
  /** Only inside the policy's business hours, of each target ("target") or of a named zone. */
  businessHours?: HoursZone;
  /** Only outside the policy's quiet hours, of each target ("target") or of a named zone. */
  outsideQuietHours?: HoursZone;
}

export interface EscalationLevel {
  targets: Target[];
  /** How long to wait for an acknowledgement before the next level is paged. */
  timeoutMinutes: number;
  when?: LevelConditions;
  /** Page one of the targets, taking turns: per incident, then per pass over the ladder. */
  roundRobin?: boolean;
}

/** What the tenant's counsel decided about its legal clocks. */
export interface RegulatoryPolicy {
  /** Regimes that apply only to some entities: NIS2, DORA, SEC. */
  optIn?: string[];
  /** The tenant processes the affected data for a controller (GDPR Art. 33(2)). */
  processor?: boolean;
  /** Reminder points of every clock: shares of the time allowed (75%) or times before the deadline (T-12h). */
  reminders?: string[];
  /** Incidents with these facts count as known to the controller on detection: "aware" is recorded by Klaxon. */
  awareOn?: { severity?: Severity[]; dataCategories?: string[] };
  /**
   * Hours allowed where the law says "without undue delay", by obligation id (gdpr-art33-2:
   * the processor contract's bound), and `follow-up` for each further phase of a phased filing.
   */
  withinHours?: Record<string, number>;
  /** The DPO / legal ladder: a clock's first reminder reaches rung 1, the next rungs 1-2…; overdue reaches every rung, louder. */
  ladder?: Array<{ notify: Array<string | { team: string }> }>;
}

/**
 * An escalation policy. The policy in force when an incident opens is copied into the
 * incident's input, so editing configuration never changes a running ladder (unless a
 * responder re-pins it, which is recorded).
 */
export interface Policy {
  name: string;
  responders: Responder[];
  teams?: Team[];
  levels: EscalationLevel[];
  /** How many more times the whole ladder runs after the last level times out. */
  repeat: number;
  /** Paged once when the ladder is exhausted with nobody acknowledging (e.g. a channel, a manager). */
  exhausted?: Target[];
  /** On-call schedules that levels may target. */
  schedules?: Schedule[];
  /**
   * Slack channel (id) this policy's incident messages go to, instead of KLAXON_SLACK_CHANNEL:
   * with a policy per tenant (routes), each tenant's incidents stay in that tenant's channel.
   */
  slackChannel?: string;
  /**
   * Severities that get the incident its own Slack channel (created, responders invited, brief
   * pinned), e.g. [SEV1, SEV2]. Off unless named: it needs the `channels:manage` scope.
   */
  incidentChannelFor?: Severity[];
  /** How Slack reaches a paged person: a mention in the incidents channel (default), or a direct message. */
  slackPaging?: 'mention' | 'dm';
  businessHours?: HoursWindow;
  quietHours?: HoursWindow;
  /** The tenant's regulatory position: regimes beyond the defaults, processor role, reminder points. */
  regulatory?: RegulatoryPolicy;
  /** Containment actions by severity and data category, and the roles that approve or override them. */
  containment?: ContainmentPolicy;
  /** An acknowledged incident not resolved within this long re-triggers, paging the ladder from level 1. */
  ackTimeoutMinutes?: number;
  /** The longest snooze a responder may ask for (default MAX_SNOOZE_MINUTES). */
  maxSnoozeMinutes?: number;
  /** Whether a source's own "resolved" (Alertmanager, Sentry) resolves the incident, or is only recorded. */
  autoResolve: boolean;
  /**
   * Keep each incident's first alerts unredacted too (title, dedup key, categories, details as
   * sent), in the workflow's state only: encrypted by the payload codec (the configuration is
   * refused without KLAXON_PAYLOAD_KEYS_FILE), gone with the run under Temporal's retention,
   * read only with the key (`klaxon incidents unredacted`). Never in the ledger or a notification.
   */
  keepUnredactedAlerts?: boolean;
  /** Heartbeat monitors whose silence opens an incident under this policy (core/heartbeats/). */
  heartbeats?: HeartbeatMonitor[];
  /** Post-incident reviews (core/reviews/): due in how many business days, whether drills owe one, reminders; DEFAULT_REVIEW_SETTINGS when absent. */
  reviews?: Partial<ReviewSettings>;
  /** SHA-256 of the policy as loaded, recorded when an incident pins it. */
  hash?: string;
}

/** Snoozes are bounded: a forgotten snooze must not silence an incident for days. */
export const MAX_SNOOZE_MINUTES = 240;

export class PolicyError extends Error {
  override readonly name = 'PolicyError';
}

/** One thing wrong with a policy, and where: the path of the field within the policy. */
export interface PolicyProblem {
  path: Array<string | number>;
  message: string;
}

/** Every rule a policy breaks (names, contact details, zones, ladder), with the field it concerns. */
export function policyProblems(policy: Policy): PolicyProblem[] {
  const problems: PolicyProblem[] = [];
  const names = new Set<string>();
  policy.responders.forEach((r, i) => {
    const at = (field: string) => ['responders', i, field];
    if (!r.name) problems.push({ path: at('name'), message: 'a responder has no name' });
    if (names.has(r.name)) problems.push({ path: at('name'), message: `responder "${r.name}" is defined twice` });
    names.add(r.name);
    for (const { field, message } of contactProblems(r)) problems.push({ path: at(field), message });
    if (!IANAZone.isValidZone(r.timeZone)) problems.push({ path: at('timeZone'), message: `responder "${r.name}": "${r.timeZone}" is not an IANA time zone` });
    for (const [urgency, rules] of Object.entries(r.notify ?? {})) {
      rules.forEach((rule, k) => {
        const path = ['responders', i, 'notify', urgency, k];
        if (!hasChannel(r, rule.channel)) problems.push({ path, message: `responder "${r.name}": a ${urgency}-urgency rule uses ${rule.channel}, which the responder has no address for` });
        if (!(rule.afterMinutes >= 0)) problems.push({ path, message: `responder "${r.name}": afterMinutes must be 0 or more` });
      });
    }
  });
  const teams = new Set<string>();
  (policy.teams ?? []).forEach((team, i) => {
    if (teams.has(team.name)) problems.push({ path: ['teams', i, 'name'], message: `team "${team.name}" is defined twice` });
    teams.add(team.name);
    if (team.members.length === 0) problems.push({ path: ['teams', i, 'members'], message: `team "${team.name}" has no members` });
    team.members.forEach((m, k) => {
      if (!names.has(m)) problems.push({ path: ['teams', i, 'members', k], message: `team "${team.name}": unknown responder "${m}"` });
    });
  });
  const schedules = new Set<string>();
  (policy.schedules ?? []).forEach((schedule, i) => {
    schedules.add(schedule.name);
    try {
      validateSchedule(schedule);
    } catch (err) {
      problems.push({ path: ['schedules', i], message: (err as Error).message });
    }
    schedule.layers.forEach((layer, l) =>
      layer.members.forEach((m, k) => {
        if (!names.has(m)) problems.push({ path: ['schedules', i, 'layers', l, 'members', k], message: `schedule "${schedule.name}": unknown responder "${m}"` });
      }),
    );
    schedule.overrides.forEach((o, k) => {
      if (!names.has(o.responder)) problems.push({ path: ['schedules', i, 'overrides', k, 'responder'], message: `schedule "${schedule.name}": unknown responder "${o.responder}"` });
    });
  });
  const targetProblem = (t: Target, where: string): string | undefined => {
    if (typeof t === 'string') return names.has(t) ? undefined : `${where}: unknown responder "${t}"`;
    if ('schedule' in t) return schedules.has(t.schedule) ? undefined : `${where}: unknown schedule "${t.schedule}"`;
    if ('team' in t) return teams.has(t.team) ? undefined : `${where}: unknown team "${t.team}"`;
    return /^[CG][A-Z0-9]+$/.test(t.slackChannel) ? undefined : `${where}: "${t.slackChannel}" is not a Slack channel id (C…)`;
  };
  const zoneProblem = (zone: string | undefined): boolean => zone !== undefined && zone !== 'target' && !IANAZone.isValidZone(zone);
  if (policy.levels.length === 0) problems.push({ path: ['levels'], message: 'the policy has no escalation level' });
  policy.levels.forEach((level, i) => {
    if (level.targets.length === 0) problems.push({ path: ['levels', i, 'targets'], message: `level ${i + 1} has no target` });
    level.targets.forEach((t, j) => {
      const message = targetProblem(t, `level ${i + 1}`);
      if (message) problems.push({ path: ['levels', i, 'targets', j], message });
    });
    if (!(level.timeoutMinutes > 0)) problems.push({ path: ['levels', i, 'timeoutMinutes'], message: `level ${i + 1}: timeout must be a positive number of minutes` });
    const when = level.when ?? {};
    for (const s of when.severity ?? []) if (!SEVERITIES.includes(s)) problems.push({ path: ['levels', i, 'when', 'severity'], message: `level ${i + 1}: "${s}" is not one of ${SEVERITIES.join(', ')}` });
    for (const field of ['businessHours', 'outsideQuietHours'] as const) {
      if (zoneProblem(when[field])) problems.push({ path: ['levels', i, 'when', field], message: `level ${i + 1}: "${when[field]}" is neither "target" nor an IANA time zone` });
    }
  });
  (policy.exhausted ?? []).forEach((t, j) => {
    const message = targetProblem(t, 'exhausted');
    if (message) problems.push({ path: ['exhausted', j], message });
  });
  for (const field of ['businessHours', 'quietHours'] as const) {
    const window = policy[field];
    if (window) for (const message of hoursProblems(window)) problems.push({ path: [field], message: `${field}: ${message}` });
  }
  problems.push(...regulatoryProblems(policy.regulatory ?? {}, names, teams));
  (policy.containment?.rules ?? []).forEach((rule, i) =>
    rule.actions.forEach((spec, j) => {
      for (const message of specProblems(spec)) problems.push({ path: ['containment', 'rules', i, 'actions', j], message: `containment rule ${i + 1}: ${message}` });
    }),
  );
  for (const label of policy.regulatory?.reminders ?? []) {
    if (!REMINDER_PATTERN.test(label)) problems.push({ path: ['regulatory', 'reminders'], message: `reminder "${label}" is neither a share of the time allowed (75%) nor a time before the deadline (T-12h)` });
  }
  if (policy.slackChannel !== undefined && !/^[CG][A-Z0-9]+$/.test(policy.slackChannel)) problems.push({ path: ['slackChannel'], message: `"${policy.slackChannel}" is not a Slack channel id (C…)` });
  if (!Number.isInteger(policy.repeat) || policy.repeat < 0) problems.push({ path: ['repeat'], message: 'repeat must be a whole number ≥ 0' });
  if (policy.ackTimeoutMinutes !== undefined && !(policy.ackTimeoutMinutes > 0)) problems.push({ path: ['ackTimeoutMinutes'], message: 'ackTimeoutMinutes must be a positive number of minutes' });
  problems.push(...reviewProblems(policy.reviews ?? {}));
  if (policy.maxSnoozeMinutes !== undefined && !(policy.maxSnoozeMinutes > 0)) problems.push({ path: ['maxSnoozeMinutes'], message: 'maxSnoozeMinutes must be a positive number of minutes' });
  return problems;
}

function reviewProblems(reviews: Partial<ReviewSettings>): PolicyProblem[] {
  const problems: PolicyProblem[] = [];
  for (const field of ['dueBusinessDays', 'remindEveryHours'] as const) {
    const v = reviews[field];
    const { min, max } = REVIEW_BOUNDS[field];
    if (v !== undefined && !(Number.isInteger(v) && v >= min && v <= max)) problems.push({ path: ['reviews', field], message: `reviews.${field} must be a whole number from ${min} to ${max}` });
  }
  return problems;
}

function regulatoryProblems(regulatory: RegulatoryPolicy, names: Set<string>, teams: Set<string>): PolicyProblem[] {
  const problems: PolicyProblem[] = [];
  for (const s of regulatory.awareOn?.severity ?? []) if (!SEVERITIES.includes(s)) problems.push({ path: ['regulatory', 'awareOn', 'severity'], message: `"${s}" is not one of ${SEVERITIES.join(', ')}` });
  for (const [key, hours] of Object.entries(regulatory.withinHours ?? {})) {
    const path = ['regulatory', 'withinHours', key];
    const bounded = OBLIGATIONS.filter((o) => o.deadline.unit === 'policy-hours').map((o) => o.id);
    if (key !== 'follow-up' && !bounded.includes(key)) problems.push({ path, message: `"${key}" has a deadline in law; withinHours bounds only ${[...bounded, 'follow-up'].join(', ')}` });
    if (!(hours > 0)) problems.push({ path, message: `${key}: hours must be a positive number` });
  }
  (regulatory.ladder ?? []).forEach((rung, i) =>
    rung.notify.forEach((t, j) => {
      const known = typeof t === 'string' ? names.has(t) : teams.has(t.team);
      if (!known) problems.push({ path: ['regulatory', 'ladder', i, 'notify', j], message: `regulatory ladder rung ${i + 1}: unknown ${typeof t === 'string' ? `responder "${t}"` : `team "${t.team}"`}` });
    }),
  );
  return problems;
}

export function validatePolicy(policy: Policy): Policy {
  const problems = policyProblems(policy);
  if (problems.length) throw new PolicyError(`policy "${policy.name}": ${problems.map((p) => p.message).join('; ')}`);
  return policy;
}

/**
 * Parses `name:SlackUserId:Zone,name:SlackUserId:Zone` (KLAXON_RESPONDERS). Until policies
 * become files, this is how a deployment names its on-call people.
 */
export function parseResponders(spec: string): Responder[] {
  return spec
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      const [name, slackUserId, timeZone = 'UTC', roles, ...rest] = entry.split(':').map((s) => s.trim());
      if (!name || !slackUserId || rest.length) throw new PolicyError(`responder "${entry}": expected name:SlackUserId[:Zone[:role+role]]`);
      const granted = roles ? roles.split('+').map((r) => r.trim()).filter(Boolean) : [];
      return { name, slackUserId, timeZone, ...(granted.length ? { roles: granted } : {}) };
    });
}

/**
 * The built-in policy: the first responder is level 1, the second level 2, and so on, each
 * level waiting `timeoutMinutes` for an acknowledgement; the ladder runs three times in all.
 */
export function defaultPolicy(responders: Responder[], timeoutMinutes: number, options: { autoResolve?: boolean } = {}): Policy {
  return validatePolicy({
    name: 'default',
    responders,
    levels: responders.map((r) => ({ targets: [r.name], timeoutMinutes })),
    repeat: 2,
    autoResolve: options.autoResolve ?? false,
  });
}

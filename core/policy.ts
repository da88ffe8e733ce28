import { IANAZone } from 'luxon';
import { validateSchedule, type Schedule } from './schedule';

/** A person who can be paged and may act on incidents. */
export interface Responder {
  name: string;
  slackUserId: string;
  /** IANA zone in which this responder reads times. */
  timeZone: string;
}

/** Who a level pages: a responder by name, or whoever a schedule has on call at that moment. */
export type Target = string | { schedule: string };

export interface EscalationLevel {
  targets: Target[];
  /** How long to wait for an acknowledgement before the next level is paged. */
  timeoutMinutes: number;
}

/**
 * An escalation policy. The policy in force when an incident opens is copied into the
 * incident's input, so editing configuration never changes a running ladder.
 */
export interface Policy {
  name: string;
  responders: Responder[];
  levels: EscalationLevel[];
  /** How many more times the whole ladder runs after the last level times out. */
  repeat: number;
  /** On-call schedules that levels may target. */
  schedules?: Schedule[];
  /** Whether a source's own "resolved" (Alertmanager, Sentry) resolves the incident, or is only recorded. */
  autoResolve: boolean;
  /** SHA-256 of the policy as loaded, recorded when an incident pins it. */
  hash?: string;
}

export class PolicyError extends Error {}

/** One thing wrong with a policy, and where: the path of the field within the policy. */
export interface PolicyProblem {
  path: Array<string | number>;
  message: string;
}

/** Every rule a policy breaks (names, Slack ids, zones, ladder), with the field it concerns. */
export function policyProblems(policy: Policy): PolicyProblem[] {
  const problems: PolicyProblem[] = [];
  const names = new Set<string>();
  policy.responders.forEach((r, i) => {
    const at = (field: string) => ['responders', i, field];
    if (!r.name) problems.push({ path: at('name'), message: 'a responder has no name' });
    if (names.has(r.name)) problems.push({ path: at('name'), message: `responder "${r.name}" is defined twice` });
    names.add(r.name);
    if (!/^[UW][A-Z0-9]+$/.test(r.slackUserId)) problems.push({ path: at('slackUserId'), message: `responder "${r.name}": "${r.slackUserId}" is not a Slack user id (U… or W…)` });
    if (!IANAZone.isValidZone(r.timeZone)) problems.push({ path: at('timeZone'), message: `responder "${r.name}": "${r.timeZone}" is not an IANA time zone` });
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
  });
  if (policy.levels.length === 0) problems.push({ path: ['levels'], message: 'the policy has no escalation level' });
  policy.levels.forEach((level, i) => {
    if (level.targets.length === 0) problems.push({ path: ['levels', i, 'targets'], message: `level ${i + 1} has no target` });
    level.targets.forEach((t, j) => {
      const path = ['levels', i, 'targets', j];
      if (typeof t === 'string' && !names.has(t)) problems.push({ path, message: `level ${i + 1}: unknown responder "${t}"` });
      if (typeof t !== 'string' && !schedules.has(t.schedule)) problems.push({ path, message: `level ${i + 1}: unknown schedule "${t.schedule}"` });
    });
    if (!(level.timeoutMinutes > 0)) problems.push({ path: ['levels', i, 'timeoutMinutes'], message: `level ${i + 1}: timeout must be a positive number of minutes` });
  });
  if (!Number.isInteger(policy.repeat) || policy.repeat < 0) problems.push({ path: ['repeat'], message: 'repeat must be a whole number ≥ 0' });
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
      const [name, slackUserId, timeZone = 'UTC'] = entry.split(':').map((s) => s.trim());
      if (!name || !slackUserId) throw new PolicyError(`responder "${entry}": expected name:SlackUserId[:Zone]`);
      return { name, slackUserId, timeZone };
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

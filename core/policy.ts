import { IANAZone } from 'luxon';

/** A person who can be paged and may act on incidents. */
export interface Responder {
  name: string;
  slackUserId: string;
  /** IANA zone in which this responder reads times. */
  timeZone: string;
}

export interface EscalationLevel {
  /** Responder names paged at this level. */
  targets: string[];
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
  /** Whether a source's own "resolved" (Alertmanager, Sentry) resolves the incident, or is only recorded. */
  autoResolve: boolean;
}

export class PolicyError extends Error {}

export function validatePolicy(policy: Policy): Policy {
  const problems: string[] = [];
  const names = new Set<string>();
  for (const r of policy.responders) {
    if (!r.name) problems.push('a responder has no name');
    if (names.has(r.name)) problems.push(`responder "${r.name}" is defined twice`);
    names.add(r.name);
    if (!/^[UW][A-Z0-9]+$/.test(r.slackUserId)) problems.push(`responder "${r.name}": "${r.slackUserId}" is not a Slack user id (U… or W…)`);
    if (!IANAZone.isValidZone(r.timeZone)) problems.push(`responder "${r.name}": "${r.timeZone}" is not an IANA time zone`);
  }
  if (policy.levels.length === 0) problems.push('the policy has no escalation level');
  policy.levels.forEach((level, i) => {
    if (level.targets.length === 0) problems.push(`level ${i + 1} has no target`);
    for (const t of level.targets) if (!names.has(t)) problems.push(`level ${i + 1}: unknown responder "${t}"`);
    if (!(level.timeoutMinutes > 0)) problems.push(`level ${i + 1}: timeout must be a positive number of minutes`);
  });
  if (!Number.isInteger(policy.repeat) || policy.repeat < 0) problems.push('repeat must be a whole number ≥ 0');
  if (problems.length) throw new PolicyError(`policy "${policy.name}": ${problems.join('; ')}`);
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

// Workflow-safe: workflow code imports this module; keep Node-only modules out (test/workflow/bundle.test.ts).
import { onCallAt } from '../escalation/schedule';
import type { Policy, Responder } from '../policy/policy';

/**
 * Who a late review's n-th reminder reaches: its owner, and the responders of levels 1..n of the
 * incident's ladder (a schedule by whoever is on call at `at`, a team by its members), so a
 * review nobody writes climbs the ladder as a page would. A level's conditions (severity, hours)
 * are not read: they decide whom to wake for a leak, not who answers for its review. A level that
 * targets a Slack channel reaches nobody here: a reminder is addressed to people.
 */
export function reviewAudience(policy: Policy, owner: string, levels: number, at: number): Responder[] {
  const names = [owner];
  for (const level of policy.levels.slice(0, levels)) {
    for (const t of level.targets) {
      if (typeof t === 'string') names.push(t);
      else if ('team' in t) names.push(...(policy.teams?.find((team) => team.name === t.team)?.members ?? []));
      else if ('schedule' in t) {
        const schedule = policy.schedules?.find((s) => s.name === t.schedule);
        const onCall = schedule ? onCallAt(schedule, at).responder : undefined;
        if (onCall) names.push(onCall);
      }
    }
  }
  return [...new Set(names)].flatMap((name) => policy.responders.filter((r) => r.name === name));
}

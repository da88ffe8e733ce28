import type { Policy, PolicyProblem } from '../policy/policy';
import type { PolicyBook } from '../policy/routing';
import type { HeartbeatMonitor } from './heartbeat-monitor';

/** A monitor as the policy file declares it, with the policy whose ladder its silence pages. */
export interface DeclaredMonitor {
  monitor: HeartbeatMonitor;
  policy: Policy;
}

/** Every monitor of the book, by name (names are unique across the book: heartbeatProblems). */
export function declaredMonitors(book: PolicyBook): Map<string, DeclaredMonitor> {
  return new Map(book.policies.flatMap((policy) => (policy.heartbeats ?? []).map((monitor) => [monitor.name, { monitor, policy }] as const)));
}

/**
 * Monitors named twice, in one policy or two: `POST /v1/heartbeats/<name>` names a monitor by
 * its name alone, so a name must say which. Paths are the book's (`policies.<i>.heartbeats.<j>`).
 */
export function heartbeatProblems(book: PolicyBook): PolicyProblem[] {
  const seen = new Map<string, string>();
  const problems: PolicyProblem[] = [];
  book.policies.forEach((policy, i) =>
    (policy.heartbeats ?? []).forEach((monitor, j) => {
      const first = seen.get(monitor.name);
      if (first !== undefined) problems.push({ path: ['policies', i, 'heartbeats', j, 'name'], message: `heartbeat monitor "${monitor.name}" is declared twice (also in policy "${first}"): its name alone must say which monitor a beat is for` });
      else seen.set(monitor.name, policy.name);
    }),
  );
  return problems;
}

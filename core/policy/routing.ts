import type { Alert } from '../alerts/alert';
import type { Severity } from '../alerts/severity';
import type { Policy } from './policy';

/** Which policy an alert's incident pins: the first route whose every named field matches. */
export interface Route {
  policy: string;
  match?: { tenant?: string[]; service?: string[]; severity?: Severity[] };
}

/** The policies a deployment runs, and the routes that choose among them. */
export interface PolicyBook {
  policies: Policy[];
  routes: Route[];
}

/** An alert no route matches gets the book's first policy. */
export function policyFor(book: PolicyBook, alert: Alert): Policy {
  const service = alert.classification?.service ?? 'unclassified';
  const route = book.routes.find(({ match = {} }) =>
    (!match.tenant || match.tenant.includes(alert.tenant)) &&
    (!match.service || match.service.includes(service)) &&
    (!match.severity || match.severity.includes(alert.severity)),
  );
  const name = route?.policy ?? book.policies[0].name;
  return book.policies.find((p) => p.name === name)!;
}

/**
 * The policies an alert of `tenant` can be routed to: those of the routes that may match it,
 * and the book's first policy unless a route takes every alert of the tenant. What a caller
 * bound to the tenant may drill under (client/drills.ts): not another tenant's responders.
 */
export function policiesOfTenant(book: PolicyBook, tenant: string): string[] {
  const names = new Set<string>();
  for (const { policy, match = {} } of book.routes) {
    if (match.tenant && !match.tenant.includes(tenant)) continue;
    names.add(policy);
    // This route takes every alert of the tenant: no later route, nor the fallback, is reached.
    if (!match.service && !match.severity) return [...names];
  }
  if (book.policies.length) names.add(book.policies[0].name);
  return [...names];
}

/** Route problems: a route must name a policy of the book. */
export function routeProblems(book: PolicyBook): Array<{ path: Array<string | number>; message: string }> {
  const names = new Set(book.policies.map((p) => p.name));
  const problems: Array<{ path: Array<string | number>; message: string }> = [];
  book.policies.forEach((p, i) => {
    if (book.policies.findIndex((q) => q.name === p.name) !== i) problems.push({ path: ['policies', i, 'name'], message: `policy "${p.name}" is defined twice` });
  });
  book.routes.forEach((r, i) => {
    if (!names.has(r.policy)) problems.push({ path: ['routes', i, 'policy'], message: `route ${i + 1}: unknown policy "${r.policy}"` });
  });
  return problems;
}

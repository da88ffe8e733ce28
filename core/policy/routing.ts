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

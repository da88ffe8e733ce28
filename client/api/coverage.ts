import type { IncomingMessage } from 'node:http';
import { policiesOfTenant, type PolicyBook } from '../../core/policy/routing';
import { OnCallOverrides } from '../../ledger/oncall-overrides';
import { readCoverage } from '../coverage';
import { authorize } from './authorization';
import type { ComplianceDeps } from './compliance';
import { coverageQuery } from './compliance-query';
import { HttpError } from './http';

/**
 * `GET /v1/coverage?days=14&policy=…` (incidents:read): the coverage gaps of the policies in
 * force, with the live overrides. A token bound to tenants sees only the policies its tenants'
 * alerts can be routed to; another policy is answered as unknown.
 */
export async function coverageRoute(req: IncomingMessage, deps: ComplianceDeps, book: PolicyBook, now: Date): Promise<{ status: number; body: unknown }> {
  const token = await authorize(req, deps, 'incidents:read');
  const { days, policy } = coverageQuery(req);
  const visible = token.tenants ? new Set(token.tenants.flatMap((t) => policiesOfTenant(book, t))) : undefined;
  const policies = book.policies.filter((p) => (visible === undefined || visible.has(p.name)) && (policy === undefined || p.name === policy));
  if (policy !== undefined && policies.length === 0) throw new HttpError(404, `no policy ${JSON.stringify(policy)}${visible ? ' that this token may read' : ''}`);
  return { status: 200, body: await readCoverage(policies, new OnCallOverrides(deps.ledger.db), days, now) };
}

import { createHash, randomBytes } from 'node:crypto';
import type { Alert } from '../core/alerts/alert';
import { drillIdFor, type DrillFacts } from '../core/drills/drill';
import { resolveScenario, type Scenario } from '../core/drills/scenario';
import { policiesOfTenant, type PolicyBook } from '../core/policy/routing';
import type { Incidents } from './incidents';

/**
 * A drill that cannot start, the message naming what is wrong: the policy does not exist
 * (`unknown-policy`), or the scenario does not fit it (`scenario`: an inject names a responder
 * the policy does not have).
 */
export class DrillError extends Error {
  override readonly name = 'DrillError';
  constructor(
    readonly reason: 'unknown-policy' | 'scenario',
    message: string,
  ) {
    super(message);
  }
}

/**
 * Why a caller bound to `tenants` may not drill `scenario` under `policy` (undefined when it may;
 * a caller bound to none may drill any): the scenario's tenant and its sandbox must be its own,
 * and the policy one its tenant's alerts are routed to, or a tenant's token could page another
 * tenant's responders. An unknown policy is left to startDrill, which names it.
 */
export function forbiddenDrill(tenants: readonly string[] | undefined, scenario: Scenario, policy: string, book: PolicyBook): string | undefined {
  if (!tenants) return undefined;
  for (const tenant of [scenario.tenant, scenario.sandboxTenant]) {
    if (tenant !== undefined && !tenants.includes(tenant)) return `may not drill tenant "${tenant}"`;
  }
  if (book.policies.some((p) => p.name === policy) && !policiesOfTenant(book, scenario.tenant).includes(policy)) {
    return `may not drill under policy "${policy}": no alert of tenant "${scenario.tenant}" is routed to it`;
  }
  return undefined;
}

/**
 * Starts a drill of `scenario` under the policy named `policy` (of the book in force): a
 * signal-with-start of the `drill` workflow under a fresh drill id, its first alert the
 * scenario's. `startedBy` is the responder who asked, or `schedule:<id>` for a scheduled drill.
 * `startKey` (with `now`) makes the id that of one start whatever its retries: a retried start
 * opens no second drill (worker/drill-starter.ts).
 */
export async function startDrill(
  deps: { incidents: Incidents; book: PolicyBook },
  req: { policy: string; scenario: Scenario; startedBy: string; scheduleId?: string; now?: Date; startKey?: string },
): Promise<{ drillId: string; policy: string }> {
  const policy = deps.book.policies.find((p) => p.name === req.policy);
  if (!policy) throw new DrillError('unknown-policy', `policy "${req.policy}" does not exist (known: ${deps.book.policies.map((p) => p.name).join(', ')})`);
  // A silent responder the policy does not page would make the drill prove nothing.
  for (const i of req.scenario.injects) {
    if (i.kind === 'responder-silent' && !policy.responders.some((r) => r.name === i.responder)) {
      throw new DrillError('scenario', `the scenario's responder-silent inject names "${i.responder}", who is not a responder of policy "${policy.name}"`);
    }
  }
  const now = req.now ?? new Date();
  const { scenario } = req;
  // A retried start (same key, same `now`) names the same drill, which signal-with-start then finds running.
  const random = req.startKey === undefined ? randomBytes(3).toString('hex') : createHash('sha256').update(req.startKey).digest('hex').slice(0, 6);
  const drillId = drillIdFor(scenario.tenant, now, random);
  const facts: DrillFacts = {
    drillId,
    scenario: scenario.name,
    startedBy: req.startedBy,
    ...(req.scheduleId ? { scheduleId: req.scheduleId } : {}),
    ...(scenario.sandboxTenant ? { sandboxTenant: scenario.sandboxTenant } : {}),
    ...resolveScenario(scenario, now),
  };
  const a = scenario.alert;
  const alert: Alert = {
    source: 'drill',
    title: a.title,
    severity: a.severity,
    dedupKey: drillId,
    tenant: scenario.tenant,
    dataCategories: a.dataCategories ?? [],
    details: { scenario: scenario.name },
    deliveryId: `${drillId}/alert`,
    receivedAt: now.toISOString(),
    // The scenario classifies its own alert: it says what service, surfaces and jurisdictions it is about.
    classification: { service: a.service ?? 'unclassified', surfaces: a.surfaces ?? [], jurisdictions: a.jurisdictions ?? [], rule: `drill:${scenario.name}` },
  };
  await deps.incidents.openDrill({ incidentId: drillId, policy, alert, drill: facts });
  return { drillId, policy: policy.name };
}

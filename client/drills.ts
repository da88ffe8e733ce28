import { randomBytes } from 'node:crypto';
import type { Alert } from '../core/alerts/alert';
import { drillIdFor, type DrillFacts } from '../core/drills/drill';
import { resolveScenario, type Scenario } from '../core/drills/scenario';
import type { PolicyBook } from '../core/policy/routing';
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
 * Starts a drill of `scenario` under the policy named `policy` (of the book in force): a
 * signal-with-start of the `drill` workflow under a fresh drill id, its first alert the
 * scenario's. `startedBy` is the responder who asked, or `schedule:<id>` for a scheduled drill.
 */
export async function startDrill(
  deps: { incidents: Incidents; book: PolicyBook },
  req: { policy: string; scenario: Scenario; startedBy: string; scheduleId?: string; now?: Date },
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
  const drillId = drillIdFor(scenario.tenant, now, randomBytes(3).toString('hex'));
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

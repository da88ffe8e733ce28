import { batchAlerts } from '../../core/alerts/alert-batch';
import { specProblems } from '../../core/containment/containment';
import { Incident } from '../../core/incident/incident';
import { validatePolicy } from '../../core/policy/policy';
import { sampleAlert, samplePolicy } from '../support/samples';

/** The containment rules as the incident keeps them (the workflow runs the actions; see test/workflow/containment). */
const policy = validatePolicy({
  ...samplePolicy,
  responders: samplePolicy.responders.map((r) => ({ ...r, roles: ['approver'] })),
  containment: {
    rules: [
      { when: { severity: ['SEV1'] }, mode: 'automatic', actions: [{ kind: 'isolate-tenant', mode: 'maintenance' }], keepOnResolve: true },
      { when: { dataCategories: ['credentials'] }, mode: 'suggest', actions: [{ kind: 'suspend-credentials', credentials: ['github-app'] }] },
    ],
  },
});
const T0 = '2026-11-24T10:00:00.000Z';
const bob = { responder: 'bob', via: 'cli' as const };

describe('containment rules', () => {
  it('propose each action once, when the facts first call for it (a later alert raising the severity included)', () => {
    const inc = Incident.open('inc-c1', policy, sampleAlert({ severity: 'SEV2', dataCategories: ['credentials'] }), T0);
    expect(inc.snapshot().containment?.map((a) => [a.id, a.spec.kind, a.status])).toEqual([['a1', 'suspend-credentials', 'suggested']]);
    inc.recordAlerts(batchAlerts([sampleAlert({ severity: 'SEV1', deliveryId: 'd-2', dataCategories: ['credentials'] })]), '2026-11-24T10:05:00.000Z');
    inc.recordAlerts(batchAlerts([sampleAlert({ severity: 'SEV1', deliveryId: 'd-3' })]), '2026-11-24T10:06:00.000Z');
    expect(inc.snapshot().containment?.map((a) => [a.id, a.spec.kind, a.status, a.requestedAt])).toEqual([
      ['a1', 'suspend-credentials', 'suggested', T0],
      ['a2', 'isolate-tenant', 'approved', '2026-11-24T10:05:00.000Z'],
    ]);
  });

  it('run a suggestion only once an approver takes it up; keep what the policy keeps when the incident ends', () => {
    const inc = Incident.open('inc-c2', policy, sampleAlert({ severity: 'SEV1', dataCategories: ['credentials'] }), T0);
    const c = inc.containment;
    expect(c.toApply().map((a) => a.id)).toEqual(['a1']);
    c.validateApprove({ by: bob, actionId: 'a2' });
    c.approve({ by: bob, actionId: 'a2' }, T0);
    expect(c.toApply().map((a) => a.id)).toEqual(['a1', 'a2']);
    c.applied('a1', { observed: 'ok' }, T0);
    c.applied('a2', { observed: 'ok' }, T0);
    inc.resolve(bob, '2026-11-24T11:00:00.000Z');
    c.settle('2026-11-24T11:00:00.000Z');
    // The isolation stays (keepOnResolve); the suspension is undone.
    expect(c.toUndo('2026-11-24T11:00:00.000Z').map((a) => a.id)).toEqual(['a2']);
    expect(inc.snapshot().containment?.map((a) => a.status)).toEqual(['kept', 'active']);
    expect(() => c.validateApprove({ by: bob, actionId: 'a1' })).toThrow('a1 is kept: there is nothing to decide');
  });

  it('name what is wrong with an action', () => {
    expect(specProblems({ kind: 'throttle-provisioning', limits: { invitations: -1 } })).toEqual(['throttle-provisioning limits are whole numbers ≥ 0']);
    expect(specProblems({ kind: 'suspend-credentials' })).toEqual(['suspend-credentials needs the credentials (integration or API key names) to suspend']);
    expect(specProblems({ kind: 'wipe-database' as never })).toEqual(['"wipe-database" is not a containment action (isolate-tenant, throttle-provisioning, suspend-credentials)']);
  });
});

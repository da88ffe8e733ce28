import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { ContainmentPolicy } from '../../core/containment/containment';
import type { AdapterConfig, ContainmentTargets } from '../../core/containment/containment-config';
import { validatePolicy, type Policy } from '../../core/policy/policy';
import { queries, updates } from '../../workflows/messages';
import { AdminApiStandIn } from '../support/admin-api-stand-in';
import { EdgeConfigStandIn } from '../support/edge-config-stand-in';
import { PAGERDUTY_ROUTING_KEYS, timeSkippingIncidents } from '../support/incident-workflows';
import { samplePolicy } from '../support/samples';
import { waitFor } from '../support/waiting';

/**
 * Containment on the time-skipping server with the real adapters: Vercel Edge Config (a
 * stand-in with Vercel's routes, auth and JSON) and a customer's admin API (signed webhook).
 */
const edge = new EdgeConfigStandIn('vercel-token');
const admin = new AdminApiStandIn('admin-secret');
const targets = (): ContainmentTargets => {
  const edgeConfig = { adapter: 'edge-config' as const, edgeConfigId: 'ecfg_saas', token: 'vercel-token', apiUrl: edge.url };
  return {
    tenants: new Map<string, AdapterConfig>([['acme', edgeConfig], ['globex', edgeConfig], ['initech', { adapter: 'webhook', url: admin.url, secret: 'admin-secret', timeoutMs: 2000 }]]),
    global: edgeConfig,
  };
};
const t = timeSkippingIncidents('containment-test', { containment: targets });
const { withWorker, startIncident, alertFor, resolveAndFinish } = t;

beforeAll(async () => {
  await Promise.all([edge.start(), admin.start()]);
  edge.create('ecfg_saas');
});
afterAll(async () => {
  await Promise.all([edge.stop(), admin.stop()]);
});

const ISOLATE = { kind: 'isolate-tenant' as const, mode: 'read-only' as const };
const THROTTLE = { kind: 'throttle-provisioning' as const, limits: { invitations: 0, signups: 0 } };
const SUSPEND = { kind: 'suspend-credentials' as const, credentials: ['stripe-live'] };

const policyWith = (containment: ContainmentPolicy, over: Partial<Policy> = {}) =>
  validatePolicy({
    ...samplePolicy,
    responders: [
      { ...samplePolicy.responders[0], roles: ['approver'] },
      samplePolicy.responders[1],
      { name: 'carol', slackUserId: 'U0CAROL', timeZone: 'Europe/Paris', roles: ['approver'] },
      { name: 'ivan', slackUserId: 'U0IVAN', timeZone: 'Europe/London', roles: ['incident-commander'] },
    ],
    containment,
    ...over,
  });
const sev1 = (tenant: string) => alertFor({ tenant, severity: 'SEV1', dataCategories: ['personal-data'] });
const refusal = (err: unknown) => String((err as WorkflowUpdateFailedError).cause?.message);
const key = (tenant: string, kind: string) => `klaxon_tenant_${tenant}_${kind}`;
const holdersOf = (tenant: string, kind: string) => Object.keys((edge.value('ecfg_saas', key(tenant, kind)) as { holders?: object } | undefined)?.holders ?? {});
const containmentOf = async (handle: Awaited<ReturnType<typeof startIncident>>['handle']) => (await handle.query(queries.state)).containment ?? [];
const statuses = async (handle: Awaited<ReturnType<typeof startIncident>>['handle']) => (await containmentOf(handle)).map((a) => `${a.id}:${a.status}`);
const kindsOf = async (incidentId: string) => (await t.ledger.timeline(incidentId)).filter((e) => e.kind.startsWith('containment.')).map((e) => `${e.kind}:${e.payload.action}`);

describe('containment', () => {
  it('runs automatically for a SEV1 personal-data leak, asks approval where policy says, and rolls back newest first on resolve', async () => {
    await withWorker(async () => {
      const policy = policyWith({ rules: [{ when: { severity: ['SEV1'], dataCategories: ['personal-data'] }, mode: 'automatic', actions: [ISOLATE, THROTTLE] }, { when: { severity: ['SEV1'] }, mode: 'approval', actions: [SUSPEND] }] });
      const { handle, incidentId } = await startIncident(policy, sev1('acme'));
      await waitFor('both automatic actions in force', async () => (await statuses(handle)).join() === 'a1:active,a2:active,a3:awaiting-approval');
      expect(holdersOf('acme', 'isolate-tenant')).toEqual([`${incidentId}/a1`]);
      expect(holdersOf('acme', 'throttle-provisioning')).toEqual([`${incidentId}/a2`]);
      const [a1] = await containmentOf(handle);
      expect(a1).toMatchObject({ requestedBy: 'klaxon', approvedBy: `policy ${policy.name}`, verified: { adapter: 'edge-config', observed: { key: key('acme', 'isolate-tenant'), holders: [`${incidentId}/a1`] } } });
      // The approval request reaches the approvers in Slack, with a button.
      const notice = await waitFor('the approval notice', () => t.slack.callsOf('chat.postMessage').find((c) => String(c.args.text).includes(`awaits approval: a3 suspend stripe-live of tenant acme for \`${incidentId}\``)));
      expect(String(notice.args.text)).toContain('<@U0ALICE> <@U0CAROL>');
      expect(JSON.stringify(notice.args.blocks)).toContain(`"value":"${incidentId} a3"`);

      await resolveAndFinish(handle);
      expect(await statuses(handle)).toEqual(['a1:undone', 'a2:undone', 'a3:rejected']);
      expect(edge.value('ecfg_saas', key('acme', 'isolate-tenant'))).toBeUndefined();
      expect(edge.value('ecfg_saas', key('acme', 'throttle-provisioning'))).toBeUndefined();
      await waitFor('the ledger', async () => (await kindsOf(incidentId)).length === 8);
      expect(await kindsOf(incidentId)).toEqual([
        'containment.proposed:a1', 'containment.proposed:a2', 'containment.proposed:a3',
        'containment.applied:a1', 'containment.applied:a2',
        'containment.called_off:a3', 'containment.undone:a2', 'containment.undone:a1',
      ]);
    });
  });

  it('needs a second person to approve, refuses self-approval and approvers without the role, and takes an override only with a reason', async () => {
    await withWorker(async () => {
      const { handle, incidentId } = await startIncident(policyWith({ rules: [] }), sev1('initech'));
      const alice = { responder: 'alice', via: 'cli' as const };
      const requested = await handle.executeUpdate(updates.requestContainment, { args: [{ by: alice, spec: { kind: 'suspend-credentials', credentials: ['segment'] }, reason: 'the leaking export runs on the Segment key' }] });
      expect(requested).toEqual({ incidentId, actionId: 'a1', status: 'awaiting-approval' });
      const self = await handle.executeUpdate(updates.approveContainment, { args: [{ by: alice, actionId: 'a1' }] }).catch((e: unknown) => e);
      expect(refusal(self)).toBe('alice requested a1: a second person must approve it (two-person rule)');
      const noRole = await handle.executeUpdate(updates.approveContainment, { args: [{ by: { responder: 'bob', via: 'cli' }, actionId: 'a1' }] }).catch((e: unknown) => e);
      expect(refusal(noRole)).toBe('bob does not have the approver role and cannot approve containment');
      const global = await handle.executeUpdate(updates.requestContainment, { args: [{ by: alice, spec: { ...THROTTLE, scope: 'global' }, reason: 'x' }] }).catch((e: unknown) => e);
      expect(refusal(global)).toMatch(/a global throttle comes from policy only/);

      await handle.executeUpdate(updates.approveContainment, { args: [{ by: { responder: 'carol', via: 'slack' }, actionId: 'a1' }] });
      await waitFor('a1 applied through the admin API', async () => (await statuses(handle)).join() === 'a1:active');
      expect([...admin.active.get('initech')!]).toEqual([`${incidentId}/a1`]);

      // An emergency: the incident commander isolates without waiting for an approver.
      await handle.executeUpdate(updates.requestContainment, { args: [{ by: { responder: 'bob', via: 'cli' }, spec: ISOLATE, reason: 'rows still streaming' }] });
      const ivan = { responder: 'ivan', via: 'cli' as const };
      const bare = await handle.executeUpdate(updates.overrideContainment, { args: [{ by: ivan, actionId: 'a2' }] }).catch((e: unknown) => e);
      expect(refusal(bare)).toBe('an emergency override needs a reason');
      const notIc = await handle.executeUpdate(updates.overrideContainment, { args: [{ by: { responder: 'carol', via: 'cli' }, actionId: 'a2', reason: 'now' }] }).catch((e: unknown) => e);
      expect(refusal(notIc)).toBe('carol does not have the incident-commander role and cannot override the approval');
      await handle.executeUpdate(updates.overrideContainment, { args: [{ by: ivan, actionId: 'a2', reason: 'approvers asleep, data still leaking' }] });
      await waitFor('a2 applied', async () => (await statuses(handle)).join() === 'a1:active,a2:active');
      // A third request, rejected with a reason.
      await handle.executeUpdate(updates.requestContainment, { args: [{ by: { responder: 'bob', via: 'cli' }, spec: THROTTLE, reason: 'sign-ups spiking' }] });
      const noReason = await handle.executeUpdate(updates.rejectContainment, { args: [{ by: { responder: 'carol', via: 'cli' }, actionId: 'a3' }] }).catch((e: unknown) => e);
      expect(refusal(noReason)).toBe('a rejection needs a reason');
      await handle.executeUpdate(updates.rejectContainment, { args: [{ by: { responder: 'carol', via: 'cli' }, actionId: 'a3', reason: 'the spike is a marketing campaign' }] });

      // It was a false positive after all: everything applied is rolled back.
      const fp = await handle.executeUpdate(updates.falsePositive, { args: [{ by: alice, reason: 'synthetic test data in the alert' }] });
      expect(fp).toMatchObject({ resolvedBy: 'alice' });
      const final = await handle.result();
      expect(final.falsePositive).toMatchObject({ by: 'alice', reason: 'synthetic test data in the alert' });
      expect(final.containment!.map((a) => `${a.id}:${a.status}`)).toEqual(['a1:undone', 'a2:undone', 'a3:rejected']);
      expect(final.containment![1].override).toMatchObject({ by: 'ivan', reason: 'approvers asleep, data still leaking' });
      expect(admin.active.get('initech')!.size).toBe(0);
      const overridden = (await t.ledger.timeline(incidentId)).find((e) => e.kind === 'containment.overridden');
      expect(overridden).toMatchObject({ actor: { name: 'ivan' }, payload: { action: 'a2', flagged: true, reason: 'approvers asleep, data still leaking' } });
    });
  });

  it('on a partial failure, pages loudly and undoes only what was applied', async () => {
    await withWorker(async () => {
      edge.failingKeys.set(key('globex', 'throttle-provisioning'), 500);
      try {
        const policy = policyWith({ rules: [{ mode: 'automatic', actions: [ISOLATE, THROTTLE, SUSPEND] }] });
        const withPagerDuty = { ...policy, responders: policy.responders.map((r) => (r.name === 'alice' ? { ...r, pagerDutyService: 'security' } : r)) };
        const { handle, incidentId } = await startIncident(withPagerDuty, sev1('globex'));
        // The throttle is retried with back-off (about a minute of it) before it counts as failed.
        await waitFor('the isolation', async () => (await statuses(handle))[0] === 'a1:active');
        await t.env.sleep('3 minutes');
        await waitFor('the saga to run', async () => (await statuses(handle)).join() === 'a1:active,a2:failed,a3:active');
        const failed = (await containmentOf(handle))[1];
        expect(failed.failure).toMatch(/Vercel Edge Config PATCH answered 500/);
        const loud = await waitFor('the loud notice', () => t.slack.callsOf('chat.postMessage').find((c) => String(c.args.text).includes(`*Containment failed*: a2 throttle provisioning of tenant globex`)));
        expect(String(loud.args.text)).toMatch(/^<!channel> /);
        expect(String(loud.args.text)).toContain('<@U0ALICE>');
        // …and pages: a PagerDuty incident of its own, critical.
        const alarms = () => t.pagerduty.events.filter((e) => e.dedup_key === `${incidentId}/containment/a2`);
        await waitFor('the PagerDuty alarm', () => alarms().length === 1);
        expect(alarms()[0]).toMatchObject({ event_action: 'trigger', routing_key: PAGERDUTY_ROUTING_KEYS.security, payload: { severity: 'critical', summary: expect.stringContaining('Containment failed: a2 throttle provisioning of tenant globex') } });

        await resolveAndFinish(handle);
        expect(await statuses(handle)).toEqual(['a1:undone', 'a2:failed', 'a3:undone']);
        // The incident is over and nothing more will be tried: the alarm is resolved.
        expect(alarms().map((e) => e.event_action)).toEqual(['trigger', 'resolve']);
        expect((await kindsOf(incidentId)).filter((k) => k.startsWith('containment.undone'))).toEqual(['containment.undone:a3', 'containment.undone:a1']);
        // Nothing was written for the throttle, so nothing was undone for it.
        expect(edge.requests.filter((r) => r.method === 'PATCH' && JSON.stringify(r.body).includes(key('globex', 'throttle-provisioning')) && JSON.stringify(r.body).includes('"delete"'))).toEqual([]);
      } finally {
        edge.failingKeys.clear();
      }
    });
  });

  it('never touches another tenant: each tenant has its own keys, and notices go to its own channel', async () => {
    await withWorker(async () => {
      const rules: ContainmentPolicy = { rules: [{ mode: 'automatic', actions: [ISOLATE] }, { mode: 'approval', actions: [SUSPEND] }] };
      const acme = await startIncident(policyWith(rules, { name: 'acme', slackChannel: 'C0ACME' }), sev1('acme'));
      const globex = await startIncident(policyWith(rules, { name: 'globex', slackChannel: 'C0GLOBEX' }), sev1('globex'));
      await waitFor('both isolated', async () => (await statuses(acme.handle))[0] === 'a1:active' && (await statuses(globex.handle))[0] === 'a1:active');
      expect(holdersOf('acme', 'isolate-tenant')).toEqual([`${acme.incidentId}/a1`]);
      expect(holdersOf('globex', 'isolate-tenant')).toEqual([`${globex.incidentId}/a1`]);

      await resolveAndFinish(acme.handle);
      expect(edge.value('ecfg_saas', key('acme', 'isolate-tenant'))).toBeUndefined();
      expect(holdersOf('globex', 'isolate-tenant')).toEqual([`${globex.incidentId}/a1`]);
      const noticesIn = (channel: string) => t.slack.callsOf('chat.postMessage').filter((c) => c.args.channel === channel && String(c.args.text).includes('awaits approval')).map((c) => String(c.args.text));
      expect(noticesIn('C0ACME').every((n) => n.includes(acme.incidentId))).toBe(true);
      expect(noticesIn('C0GLOBEX').every((n) => n.includes(globex.incidentId))).toBe(true);
      expect(noticesIn('C0ACME')).toHaveLength(1);
      await resolveAndFinish(globex.handle);
      expect(edge.value('ecfg_saas', key('globex', 'isolate-tenant'))).toBeUndefined();
    });
  });

  it('keeps an undo that fails visible, says so loudly, and tries again until it succeeds', async () => {
    await withWorker(async () => {
      const { handle, incidentId } = await startIncident(policyWith({ rules: [{ mode: 'automatic', actions: [THROTTLE] }] }), sev1('globex'));
      await waitFor('the throttle', async () => (await statuses(handle)).join() === 'a1:active');
      edge.failingKeys.set(key('globex', 'throttle-provisioning'), 503);
      await handle.executeUpdate(updates.resolve, { args: [{ by: { responder: 'alice', via: 'cli' } }] });
      await t.env.sleep('3 minutes');
      await waitFor('the failed undo', async () => (await statuses(handle)).join() === 'a1:undo-failed');
      expect((await handle.describe()).status.name).toBe('RUNNING');
      await waitFor('the loud notice', () => t.slack.callsOf('chat.postMessage').some((c) => String(c.args.text).startsWith(`<!channel> :rotating_light: *Containment undo failed*: a1 throttle provisioning of tenant globex (invitations 0/h, signups 0/h) for \`${incidentId}\``)));
      expect(holdersOf('globex', 'throttle-provisioning')).toEqual([`${incidentId}/a1`]);

      edge.failingKeys.clear();
      await t.env.sleep('31 minutes');
      await handle.result();
      expect(await statuses(handle)).toEqual(['a1:undone']);
      expect(edge.value('ecfg_saas', key('globex', 'throttle-provisioning'))).toBeUndefined();
      const kinds = await kindsOf(incidentId);
      expect(kinds.slice(-2)).toEqual(['containment.undo_failed:a1', 'containment.undone:a1']);
    });
  });
});


import type { ContainmentTargets } from '../../core/containment/containment-config';
import { parseScenario } from '../../core/drills/scenario';
import { startDrill } from '../../client/drills';
import { Incidents } from '../../client/incidents';
import { queries, updates } from '../../workflows/messages';
import { EdgeConfigStandIn } from '../support/edge-config-stand-in';
import { drillLadder } from '../support/drill-ladder';
import { timeSkippingIncidents } from '../support/incident-workflows';
import { waitFor } from '../support/waiting';

/**
 * A drill on the time-skipping server with the real activities: Slack, e-mail and the ledger
 * against their stand-ins, containment against a Vercel Edge Config stand-in that holds only
 * the sandbox tenant's adapter (a call for any other tenant would fail, and be seen).
 */
const edge = new EdgeConfigStandIn('vercel-token');
const targets = (): ContainmentTargets => ({
  tenants: new Map([['acme-sandbox', { adapter: 'edge-config' as const, edgeConfigId: 'ecfg_drill', token: 'vercel-token', apiUrl: edge.url }]]),
  sandboxes: new Set(['acme-sandbox']),
});
const t = timeSkippingIncidents('drill-test', { containment: targets });
beforeAll(async () => {
  await edge.start();
  edge.create('ecfg_drill');
});
afterAll(() => edge.stop());

const policy = drillLadder({
  containment: { rules: [{ mode: 'automatic', actions: [{ kind: 'isolate-tenant', mode: 'read-only' }] }] },
  // The clocks' notices go to both by e-mail: alice's are stopped by her silence too.
  regulatory: { ladder: [{ notify: ['alice', 'bob'] }] },
});
const book = { policies: [policy], routes: [] };

const scenario = (extra = '') =>
  parseScenario(
    `name: wf-drill
tenant: acme
${extra}alert: { title: Customer emails exposed, severity: SEV2, dataCategories: [personal-data], jurisdictions: [DE] }
clock: { awareAgo: 35h }
injects:
  - { at: 0m, kind: channel-down, channel: slack, minutes: 10 }
  - { at: 0m, kind: responder-silent, responder: alice }
`,
    'wf-drill.yaml',
  );

const begin = async (extra = '') => {
  const incidents = new Incidents(t.env.client, 'drill-test');
  const { drillId } = await startDrill({ incidents, book }, { policy: 'drill-ladder', scenario: scenario(extra), startedBy: 'alice', now: new Date(await t.env.currentTimeMs()) });
  return { drillId, handle: t.env.client.workflow.getHandle(drillId) };
};
const timeline = (id: string) => t.ledger.timeline(id);
const mailsFor = (id: string) => t.smtp.mails.filter((m) => m.headers.get('x-klaxon-incident') === id);

describe('a drill', () => {
  it('pages through its injects (Slack down, level 1 silent): fails over, climbs, plans containment, runs its clocks from the scenario', async () => {
    await t.withWorker(async () => {
      const { drillId, handle } = await begin();
      expect(drillId).toMatch(/^drill-acme-\d{14}-[0-9a-f]{6}$/);

      // Slack is down and alice silent: nothing reaches her; at 5 minutes the ladder climbs to bob,
      // whose Slack page fails too (still down) and fails over to e-mail, marked.
      const mail = await waitFor('the e-mail to bob', async () => {
        await t.env.sleep('1 minute');
        return mailsFor(drillId).find((m) => m.headers.get('subject')?.toString().startsWith('[DRILL] '));
      }, 60_000);
      expect(String(mail.to && (Array.isArray(mail.to) ? mail.to[0].text : mail.to.text))).toBe('bob@example.com');
      expect(mailsFor(drillId)).toHaveLength(1);
      expect(t.postsFor(drillId)).toHaveLength(0);

      await handle.executeUpdate(updates.acknowledge, { args: [{ responder: 'bob', via: 'cli' }] });
      const events = await waitFor('the acknowledgement in the ledger', async () => {
        const e = await timeline(drillId);
        return e.some((x) => x.kind === 'incident.acknowledged') ? e : undefined;
      });
      expect(events[0]).toMatchObject({ kind: 'drill.started', payload: { scenario: 'wf-drill', policy: 'drill-ladder', startedBy: 'alice' } });
      expect(events.filter((e) => e.kind === 'drill.inject').map((e) => e.payload.kind)).toEqual(['channel-down', 'responder-silent']);
      const deliveries = events.filter((e) => ['page.failed', 'notification.failed', 'notification.sent', 'incident.escalated'].includes(e.kind));
      expect(deliveries.map((e) => [e.kind, e.payload.responder ?? `level ${e.payload.level}`, e.payload.channel ?? 'slack', e.payload.reason])).toEqual([
        ['page.failed', 'alice', 'slack', 'DRILL inject: slack down'],
        ['notification.failed', 'alice', 'email', 'DRILL inject: alice silent'],
        ['incident.escalated', 'level 2', 'slack', undefined],
        ['page.failed', 'bob', 'slack', 'DRILL inject: slack down'],
        ['notification.sent', 'bob', 'email', undefined],
      ]);

      // Containment is planned, never run: the only adapter is the sandbox's, and nothing reached it.
      const state = await handle.query(queries.state);
      expect(state.drill).toMatchObject({ drillId, scenario: 'wf-drill', injectsRecorded: 2 });
      expect(state.containment).toEqual([expect.objectContaining({ id: 'a1', tenant: 'acme', status: 'dry-run' })]);
      expect(events.filter((e) => e.kind.startsWith('containment.')).map((e) => [e.kind, e.payload.plan])).toEqual([
        ['containment.proposed', undefined],
        ['containment.dry_run', 'would isolate tenant acme (read-only)'],
      ]);
      expect(edge.value('ecfg_drill', 'klaxon_tenant_acme_isolate-tenant')).toBeUndefined();

      // GDPR's 72 hours run from the scenario's awareness, 35 hours before the start: the 50% reminder is an hour away.
      const awareAt = state.drill!.awareAt!;
      expect(state.clocks).toEqual([expect.objectContaining({ obligation: 'gdpr-art33', startedAt: awareAt })]);
      await t.env.sleep('70 minutes');
      await waitFor('the 50% reminder', async () => (await timeline(drillId)).some((e) => e.kind === 'clock.reminder' && e.payload.reminder === '50%'));
      const told = await waitFor('the DPO and legal told', async () => (await timeline(drillId)).find((e) => e.kind === 'clock.escalated'));
      expect(told.payload.told).toEqual([
        { responder: 'alice', channel: 'email', failed: 'DRILL inject: alice silent' },
        { responder: 'bob', channel: 'email' },
      ]);
      expect(mailsFor(drillId).map((m) => String(m.subject))).toEqual([expect.stringMatching(/^\[DRILL\] \[Klaxon SEV2\]/), expect.stringMatching(/^\[DRILL\] \[Klaxon\] Reminder \(50%\)/)]);

      // A filing in a drill is the drill's: recorded as met.
      await handle.executeUpdate(updates.file, { args: [{ by: { responder: 'bob', via: 'cli' }, obligation: 'gdpr-art33', reference: 'DRILL-1' }] });
      await handle.executeUpdate(updates.resolve, { args: [{ by: { responder: 'bob', via: 'cli' } }] });
      const final = await handle.result();
      expect(final.clocks?.[0].filing).toMatchObject({ reference: 'DRILL-1', late: false });
    });
  });

  it('with a sandbox tenant, runs containment against the sandbox only, and undoes it', async () => {
    await t.withWorker(async () => {
      const { drillId, handle } = await begin('sandboxTenant: acme-sandbox\n');
      await waitFor('the sandbox isolated', async () => (await handle.query(queries.state)).containment?.[0]?.status === 'active');
      expect(Object.keys((edge.value('ecfg_drill', 'klaxon_tenant_acme-sandbox_isolate-tenant') as { holders: object }).holders)).toEqual([`${drillId}/a1`]);
      expect(edge.value('ecfg_drill', 'klaxon_tenant_acme_isolate-tenant')).toBeUndefined();
      await handle.executeUpdate(updates.file, { args: [{ by: { responder: 'bob', via: 'cli' }, obligation: 'gdpr-art33', reference: 'DRILL-2' }] });
      await handle.executeUpdate(updates.resolve, { args: [{ by: { responder: 'bob', via: 'cli' } }] });
      const final = await handle.result();
      expect(final.containment?.[0]).toMatchObject({ tenant: 'acme-sandbox', status: 'undone' });
      expect(edge.value('ecfg_drill', 'klaxon_tenant_acme-sandbox_isolate-tenant')).toBeUndefined();
    });
  });
});

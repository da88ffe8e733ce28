import { startDrill } from '../../client/drills';
import { Incidents } from '../../client/incidents';
import { drillReport } from '../../core/drills/drill-report';
import { drillReportMarkdown } from '../../core/drills/drill-report-formats';
import { parseScenario } from '../../core/drills/scenario';
import { queries, updates } from '../../workflows/messages';
import { drillLadder } from '../support/drill-ladder';
import { timeSkippingIncidents } from '../support/incident-workflows';
import { waitFor } from '../support/waiting';

/**
 * The drill report over what a real drill leaves behind: the incident code on the time-skipping
 * server with the real activities (Slack and e-mail stand-ins, the ledger), Slack down for
 * ten minutes and level 1 silent. The report's figures are the engine's, not a hand-built state.
 */
const t = timeSkippingIncidents('drill-report-test');

const policy = drillLadder();

const scenario = parseScenario(
  `name: report-drill
tenant: acme
alert: { title: Customer emails exposed, severity: SEV2, dataCategories: [personal-data], jurisdictions: [DE] }
clock: { awareAgo: 35h }
injects:
  - { at: 0m, kind: channel-down, channel: slack, minutes: 10 }
  - { at: 0m, kind: responder-silent, responder: alice, minutes: 30 }
`,
  'report-drill.yaml',
);

describe('the report of a drill the engine ran', () => {
  it('gives its levels, fail-over, unreachable responders and clocks', async () => {
    await t.withWorker(async () => {
      const incidents = new Incidents(t.env.client, 'drill-report-test');
      const { drillId } = await startDrill({ incidents, book: { policies: [policy], routes: [] } }, { policy: 'drill-ladder', scenario, startedBy: 'alice', now: new Date(await t.env.currentTimeMs()) });
      const handle = t.env.client.workflow.getHandle(drillId);
      await waitFor('level 2 paged', async () => {
        await t.env.sleep('1 minute');
        return (await handle.query(queries.state)).levels?.length === 2;
      }, 60_000);
      // Slack is down: bob is reached by e-mail (the fail-over the report is to show) before he
      // acknowledges; an acknowledgement first would call the e-mail off, and there would be none.
      await waitFor("bob's fail-over e-mail", async () =>
        (await handle.query(queries.state)).pages.some((p) => p.responder === 'bob' && p.notifications?.some((n) => n.channel === 'email' && !n.failed)),
      );
      await handle.executeUpdate(updates.acknowledge, { args: [{ responder: 'bob', via: 'cli' }] });
      await handle.executeUpdate(updates.file, { args: [{ by: { responder: 'bob', via: 'cli' }, obligation: 'gdpr-art33', reference: 'DRILL-1' }] });
      await handle.executeUpdate(updates.resolve, { args: [{ by: { responder: 'bob', via: 'cli' } }] });
      const state = await handle.result();
      const events = await waitFor('the resolution in the ledger', async () => {
        const e = await t.ledger.timeline(drillId);
        return e.some((x) => x.kind === 'incident.resolved') && e;
      });

      const report = drillReport(state, events);
      expect(report).toMatchObject({ drillId, scenario: 'report-drill', policy: 'drill-ladder', tenant: 'acme', startedBy: 'alice', endedAt: state.resolvedAt, result: 'pass' });
      expect(report.acknowledge.byLevel).toEqual([
        expect.objectContaining({ level: 1, responders: ['alice'], escalatedAfterMinutes: 5 }),
        expect.objectContaining({ level: 2, responders: ['bob'], acknowledgedBy: 'bob', minutesToAcknowledge: expect.any(Number) }),
      ]);
      expect(report.acknowledge.byResponder.map((r) => [r.responder, r.acknowledgedAt !== undefined])).toEqual([
        ['alice', false],
        ['bob', true],
      ]);
      expect(report.unreachable.map((u) => [u.responder, u.channel, u.reason])).toEqual([
        ['alice', 'slack', 'DRILL inject: slack down'],
        ['alice', 'email', 'DRILL inject: alice silent'],
        ['bob', 'slack', 'DRILL inject: slack down'],
      ]);
      expect(report.failovers).toEqual([expect.objectContaining({ responder: 'bob', from: 'slack', to: 'email' })]);
      expect(report.containment).toEqual([]);
      expect(report.clocks).toEqual([expect.objectContaining({ obligation: 'gdpr-art33', met: true })]);
      expect(report.findings).toEqual(
        expect.arrayContaining([
          'level 1 (alice) did not answer within its 5 minutes',
          expect.stringMatching(/^Slack was down 10 min: e-mail took over for bob after [\d.]+ min$/),
          'alice could not be reached on Slack: DRILL inject: slack down',
          'alice could not be reached on e-mail: DRILL inject: alice silent',
          expect.stringMatching(/^gdpr-art33 was filed [\d.]+ h before its deadline$/),
        ]),
      );
      expect(drillReportMarkdown(report)).toContain('| bob | slack | email |');
    });
  });
});

import { temporal } from '@temporalio/proto';
import type { WorkflowHandle } from '@temporalio/client';
import { validatePolicy } from '../../core/policy/policy';
import { queries, updates } from '../../workflows/messages';
import { SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';
import type { incident } from '../../workflows/incident';
import { timeSkippingIncidents } from '../support/incident-workflows';
import { samplePolicy } from '../support/samples';
import { waitFor } from '../support/waiting';

/**
 * What an incident costs in Temporal actions under the release patch 2026-12-fewer-actions
 * (workflows/incident.ts), and what it must not cost for it: the steps carry their audit events
 * (activities/audited.ts), yet every event reaches the ledger once, in order, and soon, even when
 * the channel a step talks to is down.
 */
const t = timeSkippingIncidents('audit-carried-test');
const { slack, withWorker, startIncident, alertFor, kinds } = t;
const { EventType } = temporal.api.enums.v1;

const historyOf = async (handle: WorkflowHandle<typeof incident>) => (await handle.fetchHistory()).events ?? [];
const activitiesOf = async (handle: WorkflowHandle<typeof incident>) =>
  (await historyOf(handle)).flatMap((e) => (e.activityTaskScheduledEventAttributes ? [e.activityTaskScheduledEventAttributes.activityType!.name!] : []));
const timersOf = async (handle: WorkflowHandle<typeof incident>) => (await historyOf(handle)).filter((e) => e.eventType === EventType.EVENT_TYPE_TIMER_STARTED).length;

/** The ledger's events of the incident are in step order (the order the incident took them), and verify. */
async function expectLedgerInOrder(incidentId: string): Promise<void> {
  const events = await t.ledger.timeline(incidentId);
  const steps = events.filter((e) => !e.kind.startsWith('review.')).map((e) => Number(e.stepKey.split('/').at(-1)));
  expect(steps).toEqual([...steps].sort((a, b) => a - b));
  expect(new Set(steps).size).toBe(steps.length);
  expect((await t.ledger.verify(incidentId)).ok).toBe(true);
}

describe('audit events carried by the steps they record', () => {
  it('pages, the acknowledgement and the resolution write their own events: each once, in order, and no ledger activity of their own', async () => {
    await withWorker(async () => {
      const { handle, incidentId } = await startIncident();
      await waitFor('the page in the ledger', async () => (await kinds(incidentId)).includes('responder.paged'));
      await handle.executeUpdate(updates.acknowledge, { args: [{ responder: 'alice', via: 'slack' }] });
      await waitFor('the acknowledgement in the ledger', async () => (await kinds(incidentId)).includes('incident.acknowledged'));
      await handle.executeUpdate(updates.resolve, { args: [{ by: { responder: 'alice', via: 'cli' }, note: 'route reverted' }] });
      await handle.result();

      expect(await kinds(incidentId)).toEqual(['incident.opened', 'alert.received', 'responder.paged', 'incident.acknowledged', 'incident.resolved']);
      await expectLedgerInOrder(incidentId);
      expect(await activitiesOf(handle)).toEqual(['postPageAudited', 'refreshPagesAudited', 'refreshPagesAudited']);
      // Status, severity, tenant, data and jurisdictions: only the changes are upserted (the test
      // client starts without them, so the first state is upserted too), each at most once.
      const upserts = (await historyOf(handle)).filter((e) => e.eventType === EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES);
      const statuses = upserts.flatMap((e) => (e.upsertWorkflowSearchAttributesEventAttributes!.searchAttributes!.indexedFields!.KlaxonStatus ? [e] : []));
      expect(statuses).toHaveLength(3);
    });
  });

  it('Slack down while the acknowledgement is shown: the acknowledgement is in the ledger at once, the message is rewritten when Slack is back', async () => {
    await withWorker(async () => {
      const { handle, incidentId } = await startIncident();
      await waitFor('the page in the ledger', async () => (await kinds(incidentId)).includes('responder.paged'));
      slack.outage = { until: Date.now() + 8_000, status: 503 };
      try {
        await handle.executeUpdate(updates.acknowledge, { args: [{ responder: 'alice', via: 'slack' }] });
        await waitFor('the acknowledgement in the ledger', async () => (await kinds(incidentId)).includes('incident.acknowledged'));
        // Written beside the rewrite, not after it: Slack is still refusing.
        expect(Date.now()).toBeLessThan(slack.outage.until);
        expect(slack.refusedInOutage).toBeGreaterThan(0);
      } finally {
        const until = slack.outage?.until ?? 0;
        await new Promise((r) => setTimeout(r, Math.max(0, until - Date.now())));
      }
      await waitFor(
        'the rewrite once Slack is back',
        () => slack.callsOf('chat.update').some((c) => JSON.stringify(c.args.blocks).includes(incidentId) && JSON.stringify(c.args.blocks).includes('Acknowledged* by alice')),
        30_000,
      );
      await handle.executeUpdate(updates.resolve, { args: [{ by: { responder: 'alice', via: 'cli' } }] });
      await handle.result();
      expect(await kinds(incidentId)).toEqual(['incident.opened', 'alert.received', 'responder.paged', 'incident.acknowledged', 'incident.resolved']);
      await expectLedgerInOrder(incidentId);
    });
  });

  it('under a running GDPR clock, acknowledging and resolving start no new timer, and the filing clears the incident\'s deadline in lists', async () => {
    const policy = validatePolicy({
      ...samplePolicy,
      responders: [...samplePolicy.responders, { name: 'dana', slackUserId: 'U0DANA', timeZone: 'Europe/Berlin', roles: ['dpo'] }],
      regulatory: { awareOn: { severity: ['SEV1'], dataCategories: ['personal-data'] }, reminders: ['50%'] },
    });
    await withWorker(async () => {
      const { handle, incidentId } = await startIncident(policy, alertFor({ severity: 'SEV1', classification: { service: 'api', surfaces: ['/api/customers'], jurisdictions: ['DE'] } }));
      const clock = await waitFor('the GDPR clock', async () => (await handle.query(queries.state)).clocks?.[0]);
      expect(Date.parse(clock.dueAt) - Date.parse(clock.startedAt)).toBe(72 * 3_600_000);
      await waitFor('the deadline listed', async () => (await handle.describe()).typedSearchAttributes.get(SEARCH_ATTRIBUTES.nextDeadline)?.toISOString() === clock.dueAt);
      // The clock is computed by the incident itself: 72 elapsed hours need no holiday data.
      expect(await activitiesOf(handle)).not.toContain('computeClocks');
      // Level 1's escalation is the first instant waited for.
      expect(await timersOf(handle)).toBe(1);

      await handle.executeUpdate(updates.acknowledge, { args: [{ responder: 'alice', via: 'slack' }] });
      await waitFor('the acknowledgement in the ledger', async () => (await kinds(incidentId)).includes('incident.acknowledged'));
      // Now the clock's 36 h reminder is the next instant: one timer for it.
      expect(await timersOf(handle)).toBe(2);
      await handle.executeUpdate(updates.resolve, { args: [{ by: { responder: 'alice', via: 'cli' } }] });
      await waitFor('the resolution in the ledger', async () => (await kinds(incidentId)).includes('incident.resolved'));
      // The reminder stays where it was: its timer runs on.
      expect(await timersOf(handle)).toBe(2);
      expect((await handle.describe()).status.name).toBe('RUNNING');

      await handle.executeUpdate(updates.file, { args: [{ by: { responder: 'dana', via: 'cli' }, obligation: 'gdpr-art33', reference: 'BfDI-2026-0007' }] });
      await handle.result();
      expect((await handle.describe()).typedSearchAttributes.get(SEARCH_ATTRIBUTES.nextDeadline)).toBeUndefined();
      expect((await kinds(incidentId)).filter((k) => k.startsWith('clock.'))).toEqual(['clock.trigger_recorded', 'clock.started', 'clock.filed']);
      await expectLedgerInOrder(incidentId);
    });
  });
});

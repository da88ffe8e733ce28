import { WorkflowUpdateFailedError } from '@temporalio/client';
import { batchAlerts, type AlertBatch } from '../../core/alerts/alert-batch';
import type { SourceResolution } from '../../core/sources/source';
import type { Policy } from '../../core/policy/policy';
import { onCallAt, type Schedule } from '../../core/escalation/schedule';
import { descriptions, queries, signals, updates } from '../../workflows/messages';
import { timeSkippingIncidents } from '../support/incident-workflows';
import { samplePolicy } from '../support/samples';
import { waitFor } from '../support/waiting';

/** The incident workflow's ladder on the time-skipping server (see timeSkippingIncidents). */
const t = timeSkippingIncidents('incident-workflow-test');
const { slack, withWorker, startIncident, resolveAndFinish, postsFor, kinds } = t;
const policy = samplePolicy;

describe('incident workflow', () => {
  it('pages level 1, and escalates to level 2 when nobody acknowledges within the timeout', async () => {
    await withWorker(async () => {
      const { handle, incidentId } = await startIncident();
      const first = await waitFor('the level-1 page', async () => {
        const s = await handle.query(queries.state);
        return s.pages.length === 1 ? s : undefined;
      });
      // The page is in the state before Slack has it: wait for the post itself.
      const post = await waitFor('the level-1 page in Slack', () => postsFor(incidentId)[0]);
      expect(JSON.stringify(post.args.blocks)).toContain('<@U0ALICE>');
      // The state says when the next step comes, and the page knows its responder's zone.
      expect(Date.parse(first.nextEscalationAt!) - Date.parse(first.pages[0].at)).toBeGreaterThan(4.9 * 60_000);
      expect(first.pages[0].timeZone).toBe('Europe/Berlin');

      await t.env.sleep('4 minutes');
      expect((await handle.query(queries.state)).pages).toHaveLength(1);

      await t.env.sleep('61 seconds');
      const state = await waitFor('the level-2 page', async () => {
        const s = await handle.query(queries.state);
        return s.pages.length === 2 && s;
      });
      expect(state.level).toBe(2);
      const second = await waitFor('the level-2 page in Slack', () => postsFor(incidentId)[1]);
      expect(JSON.stringify(second.args.blocks)).toContain('<@U0BOB>');
      await waitFor('the escalation in the ledger', async () => (await kinds(incidentId)).includes('incident.escalated'));
      expect(await kinds(incidentId)).toEqual(['incident.opened', 'alert.received', 'responder.paged', 'incident.escalated', 'responder.paged']);
      await resolveAndFinish(handle);
    });
  });

  it('stops paging on acknowledgement, updates the message, and completes on resolve', async () => {
    await withWorker(async () => {
      const { handle, incidentId } = await startIncident();
      await waitFor('the level-1 page', async () => (await handle.query(queries.state)).pages.length === 1);

      const ack = await handle.executeUpdate(updates.acknowledge, { args: [{ slackUserId: 'U0ALICE', via: 'slack' }] });
      expect(ack).toMatchObject({ acknowledgedBy: 'alice', alreadyDone: false });
      expect((await handle.query(queries.state)).nextEscalationAt).toBeUndefined();
      const again = await handle.executeUpdate(updates.acknowledge, { args: [{ responder: 'bob', via: 'cli' }] });
      expect(again).toMatchObject({ acknowledgedBy: 'alice', alreadyDone: true });

      await t.env.sleep('3 hours');
      expect(postsFor(incidentId)).toHaveLength(1);
      const ts = postsFor(incidentId)[0].args;
      await waitFor('the message to show the acknowledgement', () =>
        slack.callsOf('chat.update').some((c) => JSON.stringify(c.args.blocks).includes('Acknowledged* by alice') && JSON.stringify(c.args.blocks).includes(incidentId)),
      );
      expect(ts.channel).toBe('C0INCIDENTS');

      await handle.executeUpdate(updates.resolve, { args: [{ by: { responder: 'bob', via: 'cli' }, note: 'leaky route disabled' }] });
      const final = await handle.result();
      expect(final).toMatchObject({ status: 'resolved', resolvedBy: 'bob', resolveNote: 'leaky route disabled', acknowledgedBy: 'alice' });
      expect(await kinds(incidentId)).toEqual(['incident.opened', 'alert.received', 'responder.paged', 'incident.acknowledged', 'incident.resolved']);
      expect((await t.ledger.verify(incidentId)).ok).toBe(true);
      const rewrites = slack.callsOf('chat.update').filter((c) => JSON.stringify(c.args.blocks).includes(incidentId));
      expect(JSON.stringify(rewrites.at(-1)!.args.blocks)).toContain('Resolved* by bob');
    });
  });

  it('rejects an acknowledgement from someone outside the policy and records nothing', async () => {
    await withWorker(async () => {
      const { handle, incidentId } = await startIncident();
      await waitFor('the level-1 page', async () => (await handle.query(queries.state)).pages.length === 1);
      const err = await handle.executeUpdate(updates.acknowledge, { args: [{ slackUserId: 'U0MALLORY', via: 'slack' }] }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
      expect(String((err as WorkflowUpdateFailedError).cause?.message)).toMatch(/U0MALLORY is not a responder/);
      expect((await handle.query(queries.state)).status).toBe('triggered');
      await t.env.sleep('10 seconds');
      expect(await kinds(incidentId)).not.toContain('incident.acknowledged');
      await resolveAndFinish(handle);
    });
  });

  it('drops a malformed signal (sent past the API, straight to Temporal) with a ledger record, and goes on', async () => {
    await withWorker(async () => {
      const { handle, incidentId } = await startIncident();
      await waitFor('the level-1 page', async () => (await handle.query(queries.state)).pages.length === 1);
      await handle.signal(signals.alerts, { deliveryIds: 'not a list' } as unknown as AlertBatch);
      await handle.signal(signals.sourceResolved, null as unknown as SourceResolution);
      // Had either failed the workflow task, the incident would answer nothing from here on.
      expect(await handle.executeUpdate(updates.acknowledge, { args: [{ responder: 'alice', via: 'cli' }] })).toMatchObject({ acknowledgedBy: 'alice' });
      const refused = await waitFor('both refusals in the ledger', async () => {
        const events = (await t.ledger.timeline(incidentId)).filter((e) => e.kind === 'message.refused');
        return events.length === 2 && events;
      });
      expect(refused.map((e) => e.payload.message)).toEqual(['alerts', 'sourceResolved']);
      expect(refused.map((e) => e.payload.reason)).toEqual(['IncidentRuleError: batch.deliveryIds is missing or malformed', 'IncidentRuleError: resolution is not an object']);
      expect((await handle.query(queries.state)).alertCount).toBe(1);
      await resolveAndFinish(handle);
    });
  });

  it('counts a repeated alert, and ignores a replayed delivery of the same alert', async () => {
    await withWorker(async () => {
      const { handle, alert } = await startIncident();
      await handle.signal(signals.alerts, batchAlerts([alert])); // the signal half of signal-with-start: same delivery
      await handle.signal(signals.alerts, batchAlerts([{ ...alert, deliveryId: 'another-delivery' }]));
      await handle.signal(signals.alerts, batchAlerts([{ ...alert, deliveryId: 'another-delivery' }]));
      const state = await waitFor('the second alert', async () => {
        const s = await handle.query(queries.state);
        return s.alertCount >= 2 && s;
      });
      await t.env.sleep('1 second');
      expect((await handle.query(queries.state)).alertCount).toBe(2);
      expect(state.status).toBe('triggered');
      await resolveAndFinish(handle);
    });
  });

  it('runs the ladder the configured number of times, then records that it is exhausted and stops paging', async () => {
    await withWorker(async () => {
      const { handle, incidentId } = await startIncident({ ...policy, repeat: 1 });
      await waitFor('the first page', async () => (await handle.query(queries.state)).pages.length === 1);
      await t.env.sleep('21 minutes');
      await waitFor('exhaustion', async () => (await handle.query(queries.state)).ladderExhausted);
      await t.env.sleep('1 day');
      const pages = (await handle.query(queries.state)).pages.map((p) => `${p.pass}.${p.level}:${p.responder}`);
      expect(pages).toEqual(['1.1:alice', '1.2:bob', '2.1:alice', '2.2:bob']);
      await waitFor('the ledger record', async () => (await kinds(incidentId)).includes('ladder.exhausted'));
      // Still acknowledgeable after the ladder ran out.
      await handle.executeUpdate(updates.acknowledge, { args: [{ responder: 'bob', via: 'cli' }] });
      await resolveAndFinish(handle);
      expect(postsFor(incidentId)).toHaveLength(4);
    });
  });

  it('records a page that cannot be delivered and still escalates on time', async () => {
    await withWorker(async () => {
      slack.failures.set('chat.postMessage', { error: 'channel_not_found', remaining: 1_000_000 });
      try {
        const { handle, incidentId } = await startIncident();
        const failed = await waitFor('the failed page in the ledger', async () => (await t.ledger.timeline(incidentId)).find((e) => e.kind === 'page.failed'));
        expect(failed.payload).toMatchObject({ responder: 'alice', level: 1, reason: expect.stringContaining('channel_not_found') });
        slack.failures.delete('chat.postMessage');
        await t.env.sleep('5 minutes');
        const state = await waitFor('the level-2 page', async () => {
          const s = await handle.query(queries.state);
          return s.pages[1]?.channel ? s : undefined;
        });
        expect(state.pages).toEqual([
          expect.objectContaining({ responder: 'alice', level: 1, failed: expect.stringContaining('channel_not_found') }),
          expect.objectContaining({ responder: 'bob', level: 2, channel: 'C0INCIDENTS' }),
        ]);
        // Level 2 came when level 1's five minutes were up, not five minutes after the failure.
        const timeline = await t.ledger.timeline(incidentId);
        const opened = Date.parse(timeline[0].occurredAt);
        const escalated = Date.parse(timeline.find((e) => e.kind === 'incident.escalated')!.occurredAt);
        expect((escalated - opened) / 60_000).toBeCloseTo(5, 1);
        await resolveAndFinish(handle);
      } finally {
        slack.failures.delete('chat.postMessage');
      }
    });
  });

  it('is resolved by its source when the policy allows it, and the message says so', async () => {
    await withWorker(async () => {
      const { handle, incidentId, alert } = await startIncident({ ...policy, autoResolve: true });
      await waitFor('the level-1 page', async () => (await handle.query(queries.state)).pages.length === 1);
      await handle.signal(signals.sourceResolved, { source: 'alertmanager', title: alert.title, labels: {}, tenant: alert.tenant, dedupKey: alert.dedupKey, deliveryId: 'resolved-1', resolvedAt: new Date().toISOString() });
      const final = await handle.result();
      expect(final).toMatchObject({ status: 'resolved', resolvedBy: 'alertmanager' });
      expect(await kinds(incidentId)).toEqual(['incident.opened', 'alert.received', 'responder.paged', 'alert.resolved_by_source', 'incident.resolved']);
      const rewrites = slack.callsOf('chat.update').filter((c) => JSON.stringify(c.args.blocks).includes(incidentId));
      expect(JSON.stringify(rewrites.at(-1)!.args.blocks)).toContain('Resolved* by alertmanager');
    });
  });

  it('pages whoever the schedule has on call when each pass reaches the level', async () => {
    const hourly: Schedule = { name: 'hourly', layers: [{ name: 'h', members: ['alice', 'bob'], zone: 'UTC', start: '2026-01-01T00:00', turn: { hours: 1 } }], overrides: [] };
    const scheduled: Policy = { ...policy, schedules: [hourly], levels: [{ targets: [{ schedule: 'hourly' }], timeoutMinutes: 60 }], repeat: 1 };
    await withWorker(async () => {
      const { handle } = await startIncident(scheduled);
      await waitFor('the first pass', async () => (await handle.query(queries.state)).pages.length === 1);
      await t.env.sleep('61 minutes');
      const { pages } = await waitFor('the second pass', async () => {
        const s = await handle.query(queries.state);
        return s.pages.length === 2 ? s : undefined;
      });
      // An hour apart, so the hourly rotation has handed over between the passes.
      expect(pages.map((p) => p.responder)).toEqual(pages.map((p) => onCallAt(hourly, Date.parse(p.at)).responder));
      expect(pages[0].responder).not.toBe(pages[1].responder);
      await resolveAndFinish(handle);
    });
  });

  it('escalates now when a responder asks, and refuses once nobody is paging', async () => {
    await withWorker(async () => {
      const { handle, incidentId } = await startIncident();
      await waitFor('the level-1 page', async () => (await handle.query(queries.state)).pages.length === 1);
      expect(await handle.executeUpdate(updates.escalate, { args: [{ responder: 'alice', via: 'cli' }] })).toMatchObject({ fromLevel: 1 });
      // No time passes: level 2 is paged at once, not after level 1's five minutes.
      const state = await waitFor('the level-2 page', async () => {
        const s = await handle.query(queries.state);
        return s.pages.length === 2 ? s : undefined;
      });
      expect(state.pages[1]).toMatchObject({ responder: 'bob', level: 2 });
      expect(Date.parse(state.pages[1].at) - Date.parse(state.pages[0].at)).toBeLessThan(60_000);
      await handle.executeUpdate(updates.acknowledge, { args: [{ responder: 'bob', via: 'cli' }] });
      const refused = await handle.executeUpdate(updates.escalate, { args: [{ responder: 'alice', via: 'cli' }] }).catch((e: WorkflowUpdateFailedError) => e);
      expect(String((refused as WorkflowUpdateFailedError).cause?.message)).toMatch(/is acknowledged: there is no paging to escalate/);
      await waitFor('the acknowledgement in the ledger', async () => (await kinds(incidentId)).includes('incident.acknowledged'));
      expect(await kinds(incidentId)).toEqual(['incident.opened', 'alert.received', 'responder.paged', 'incident.escalation_requested', 'incident.escalated', 'responder.paged', 'incident.acknowledged']);
      await resolveAndFinish(handle);
    });
  });
});

describe('the message catalogue (workflows/messages.ts)', () => {
  // The wire names are in the histories of open incidents: renaming one strands them.
  const WIRE_NAMES = {
    signals: ['alerts', 'sourceResolved'],
    updates: ['acknowledge', 'resolve', 'escalate', 'snooze', 'reassign', 'trigger', 'file', 'obligations', 'riskDecision', 'requestContainment', 'approveContainment', 'rejectContainment', 'overrideContainment', 'falsePositive', 'repin'],
    queries: ['state', 'clocks', 'responder', 'unredactedAlerts'],
  };

  it('is exactly what a running incident registers, each message with why it is a signal, an update or a query', async () => {
    await withWorker(async () => {
      const { handle } = await startIncident();
      type Definition = { name: string; description?: string };
      type Metadata = { definition: { signalDefinitions: Definition[]; updateDefinitions: Definition[]; queryDefinitions: Definition[] } };
      const { definition } = await handle.query<Metadata>('__temporal_workflow_metadata');
      // Temporal's own queries (stack traces, this metadata) start with "__".
      const registered = (defs: Definition[]) => defs.filter((d) => !d.name.startsWith('__')).map((d) => [d.name, d.description]).sort();
      const catalogued = (names: string[]) => names.map((n) => [n, descriptions[n as keyof typeof descriptions]]).sort();
      expect(registered(definition.signalDefinitions)).toEqual(catalogued(Object.keys(signals)));
      expect(registered(definition.updateDefinitions)).toEqual(catalogued(Object.keys(updates)));
      expect(registered(definition.queryDefinitions)).toEqual(catalogued(Object.keys(queries)));
      expect(Object.values(descriptions).every((why) => why.length > 20)).toBe(true);
      await resolveAndFinish(handle);
    });
  });

  it('keeps the wire names the histories of open incidents hold', () => {
    expect({ signals: Object.keys(signals), updates: Object.keys(updates), queries: Object.keys(queries) }).toEqual(WIRE_NAMES);
    for (const [kind, names] of Object.entries({ signals, updates, queries })) {
      for (const [key, definition] of Object.entries(names)) expect([kind, definition.name]).toEqual([kind, key]);
    }
  });
});

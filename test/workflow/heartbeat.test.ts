import { Incidents } from '../../client/incidents';
import { heartbeatDedupKey, heartbeatWorkflowId, type HeartbeatMonitor } from '../../core/heartbeats/heartbeat-monitor';
import { incidentIdFor } from '../../core/incident/incident-id';
import { validatePolicy } from '../../core/policy/policy';
import type { PolicyBook } from '../../core/policy/routing';
import { BEATS_PER_RUN, heartbeatMessages, type heartbeatMonitor } from '../../workflows/heartbeat';
import { heartbeatActivities } from '../../worker/heartbeat-incidents';
import { timeSkippingIncidents } from '../support/incident-workflows';
import { samplePolicy } from '../support/samples';
import { waitFor } from '../support/waiting';

/**
 * The watch of a heartbeat monitor on the time-skipping server, with the worker's real
 * activities: a silence opens a real incident (the incident workflow, its Slack page at the
 * stand-in, its ledger), and the beat after it resolves that incident.
 */
const TASK_QUEUE = 'heartbeat-test';
const monitor = (name: string): HeartbeatMonitor => ({ name, tenant: 'acme', intervalSeconds: 15 * 60, severity: 'SEV2' });
const declared = ['quiet', 'silent', 'rollover'].map(monitor);
const book: PolicyBook = { policies: [validatePolicy({ ...samplePolicy, name: 'watched', autoResolve: true, heartbeats: declared })], routes: [] };

let incidents: Incidents;
const t = timeSkippingIncidents(TASK_QUEUE, {
  activities: (env) => {
    incidents = new Incidents(env.client, TASK_QUEUE);
    return heartbeatActivities(incidents, book);
  },
});
const { withWorker } = t;

const watchOf = (m: HeartbeatMonitor) => t.env.client.workflow.getHandle<typeof heartbeatMonitor>(heartbeatWorkflowId(m));
const incidentOf = (m: HeartbeatMonitor) => incidentIdFor({ tenant: m.tenant, dedupKey: heartbeatDedupKey(m) });
/** How many times a run of the watch scheduled the activity (from its history, as Temporal keeps it). */
const scheduled = async (m: HeartbeatMonitor, activity: string, runId?: string) => {
  const history = await t.env.client.workflow.getHandle(heartbeatWorkflowId(m), runId).fetchHistory();
  return history.events!.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === activity).length;
};
/** Whether `at` is the interval after `lastBeatAt`: not before, and not later than a workflow task takes to start. */
const afterInterval = (lastBeatAt: string, at: string) => {
  const ms = Date.parse(at) - Date.parse(lastBeatAt);
  return ms >= 15 * 60_000 && ms < 15 * 60_000 + 5_000;
};
/**
 * Waits for an incident's workflow to finish by polling, not by `result()`: on the time-skipping
 * server a result awaited skips time to the next timer, which would be the watch's own.
 */
const closed = (incidentId: string) => waitFor(`incident ${incidentId} closed`, async () => (await t.env.client.workflow.getHandle(incidentId).describe()).status.name === 'COMPLETED');
const statusOf = async (m: HeartbeatMonitor) => (await incidents.state(incidentOf(m))).status;

describe('a heartbeat watch', () => {
  it('stays quiet while beats come within the interval', async () => {
    await withWorker(async () => {
      const quiet = monitor('quiet');
      await incidents.heartbeat(quiet);
      for (let i = 0; i < 6; i++) {
        await t.env.sleep('14 minutes');
        await incidents.heartbeat(quiet);
      }
      await t.env.sleep('10 minutes');
      await waitFor('seven beats taken', async () => (await watchOf(quiet).query(heartbeatMessages.state)).beats === 7);
      expect(await scheduled(quiet, 'openSilenceIncident')).toBe(0);
      await watchOf(quiet).terminate('test over');
    });
  });

  it('opens one incident for a silence however long it lasts, and the next beat resolves it once', async () => {
    await withWorker(async () => {
      const silent = monitor('silent');
      await incidents.heartbeat(silent);
      await t.env.sleep('14 minutes');
      expect(await scheduled(silent, 'openSilenceIncident')).toBe(0);
      // Four intervals of silence: one incident, not one per interval.
      await t.env.sleep('46 minutes');
      const incidentId = incidentOf(silent);
      const opened = await waitFor('the incident', () => incidents.state(incidentId).catch(() => undefined));
      expect(opened).toMatchObject({ title: 'No heartbeat from silent of acme for 15 min', severity: 'SEV2', tenant: 'acme', policyName: 'watched', status: 'triggered' });
      await waitFor('the page at Slack', () => t.postsFor(incidentId).length > 0);
      expect(await scheduled(silent, 'openSilenceIncident')).toBe(1);
      const view = await watchOf(silent).query(heartbeatMessages.state);
      expect(view).toMatchObject({ silences: 1, silent: { incidentId } });
      // Fifteen minutes after the last beat, by the workflow clock (give or take the workflow task's start), whatever else ran.
      expect(afterInterval(view.lastBeatAt, view.silent!.at)).toBe(true);

      await incidents.heartbeat(silent);
      await waitFor('the incident resolved', async () => (await statusOf(silent)) === 'resolved');
      await closed(incidentId);
      expect(await t.kinds(incidentId)).toEqual(expect.arrayContaining(['incident.opened', 'alert.received', 'responder.paged', 'alert.resolved_by_source', 'incident.resolved']));
      await t.env.sleep('10 minutes');
      expect(await scheduled(silent, 'resolveSilenceIncident')).toBe(1);
      expect(await scheduled(silent, 'openSilenceIncident')).toBe(1);
      expect((await watchOf(silent).query(heartbeatMessages.state)).silent).toBeUndefined();
      await watchOf(silent).terminate('test over');
    });
  });

  it('continues as new after many beats with its beats, its silences and its clock', async () => {
    await withWorker(async () => {
      const rollover = monitor('rollover');
      const watch = watchOf(rollover);
      // A first silence, opened and resolved, so the count of silences has something to carry.
      await incidents.heartbeat(rollover);
      await t.env.sleep('20 minutes');
      await waitFor('the first silence', async () => (await watch.query(heartbeatMessages.state)).silent);
      await incidents.heartbeat(rollover);
      await waitFor('the first silence resolved', async () => (await statusOf(rollover)) === 'resolved');
      await closed(incidentOf(rollover));
      const firstRun = (await watch.describe()).runId;

      for (let sent = 0; sent < BEATS_PER_RUN; sent += 50) await Promise.all(Array.from({ length: 50 }, () => incidents.heartbeat(rollover)));
      await waitFor('a new run', async () => (await watch.describe()).runId !== firstRun);
      const firstHistory = await t.env.client.workflow.getHandle(heartbeatWorkflowId(rollover), firstRun).fetchHistory();
      expect(firstHistory.events!.at(-1)!.workflowExecutionContinuedAsNewEventAttributes).toBeTruthy();
      const carried = await watch.query(heartbeatMessages.state);
      expect(carried).toMatchObject({ beats: BEATS_PER_RUN + 2, silences: 1 });
      expect(carried.silent).toBeUndefined();

      // The new run's timer counts from the last beat of the old one, and its silence is the second.
      await t.env.sleep('16 minutes');
      const second = await waitFor('the second silence', async () => (await watch.query(heartbeatMessages.state)).silent);
      expect(afterInterval(carried.lastBeatAt, second.at)).toBe(true);
      expect(await scheduled(rollover, 'openSilenceIncident')).toBe(1);
      const received = (await t.ledger.timeline(incidentOf(rollover))).filter((e) => e.kind === 'alert.received').flatMap((e) => e.payload.deliveryIds as string[]);
      expect(received.map((id) => id.replace(/^.*\//, ''))).toEqual(['silence-1', 'silence-2']);
      await incidents.heartbeat(rollover);
      await waitFor('the second silence resolved', async () => (await statusOf(rollover)) === 'resolved');
      await closed(incidentOf(rollover));
      await watch.terminate('test over');
    });
  });

  it('ends, opening nothing, when its monitor is no longer declared', async () => {
    await withWorker(async () => {
      const gone = monitor('removed-from-the-policy');
      await incidents.heartbeat(gone);
      await t.env.sleep('20 minutes');
      expect(await watchOf(gone).result()).toEqual({ retired: 'heartbeat monitor "removed-from-the-policy" of acme is no longer declared in the policy' });
      expect(await scheduled(gone, 'openSilenceIncident')).toBe(0);
    });
  });
});

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { temporal } from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createLedgerActivities } from '../../activities/ledger';
import { withAuditedTwins } from '../../activities/audited';
import { createClockActivities } from '../../activities/clocks';
import { createReviewActivities } from '../../activities/reviews';
import { createRosterActivities } from '../../activities/roster';
import { ContainmentAdapters, createContainmentActivities } from '../../activities/containment';
import { createEmailActivities } from '../../activities/email';
import { createPagerDutyActivities } from '../../activities/pagerduty';
import { createSlackActivities } from '../../activities/slack';
import { OutboxSlack } from '../../activities/slack-outbox';
import { batchAlerts, type AlertBatch } from '../../core/alerts/alert-batch';
import type { Policy } from '../../core/policy/policy';
import type { SourceResolution } from '../../core/sources/source';
import { LedgerStore } from '../../ledger/store';
import { incident } from '../../workflows/incident';
import { heartbeatMessages } from '../../workflows/heartbeat';
import { heartbeatActivities } from '../../worker/heartbeat-incidents';
import { Incidents } from '../../client/incidents';
import { startDrill } from '../../client/drills';
import { parseScenario } from '../../core/drills/scenario';
import { heartbeatWorkflowId, type HeartbeatMonitor } from '../../core/heartbeats/heartbeat-monitor';
import { queries, signals, updates } from '../../workflows/messages';
import { createTestDatabase } from '../support/database';
import { OnCallOverrides } from '../../ledger/oncall-overrides';
import { installTestRuntime } from '../support/runtime';
import { sampleAlert, samplePolicy } from '../support/samples';
import { registerSearchAttributes } from '../support/temporal';
import { waitFor } from '../support/waiting';

/**
 * Records the event histories that `replay.test.ts` replays, one per version of the incident
 * workflow that incidents may still be running, of the heartbeat watch (a name starting
 * `heartbeat-`) and of a drill (`drill-`). Run it when a new version ships, keep the old files:
 * `npx tsx test/workflow/record-histories.ts <name>` (e.g. v1-escalated-acked, heartbeat-v1).
 */
async function main(name: string): Promise<void> {
  installTestRuntime();
  const env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: process.env.TEMPORAL_TEST_SERVER_PATH! } } });
  const db = await createTestDatabase();
  const outbox = mkdtempSync(join(tmpdir(), 'klaxon-record-'));
  const containment = new ContainmentAdapters({ tenants: new Map([['acme', { adapter: 'postgres', databaseUrl: db.url, table: 'klaxon_containment' }]]) });
  try {
    await registerSearchAttributes(env.connection);
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: 'record',
      // Every workflow: a heartbeat watch's silence starts an incident on this queue.
      workflowsPath: require.resolve('../../workflows/registered'),
      activities: withAuditedTwins({
        ...createSlackActivities(new OutboxSlack(outbox), '#incidents'),
        ...createLedgerActivities(new LedgerStore(db.pool)),
        ...createEmailActivities({ from: 'klaxon@example.com', outboxDir: outbox }),
        ...createPagerDutyActivities({ routingKeys: {} }),
        ...createClockActivities(),
        ...createReviewActivities(),
        ...createRosterActivities(db.pool),
        ...createContainmentActivities(containment),
        ...heartbeatActivities(new Incidents(env.client, 'record'), { policies: [{ ...samplePolicy, autoResolve: true, heartbeats: [monitor] }], routes: [] }),
      }, createLedgerActivities(new LedgerStore(db.pool)).appendLedgerEvents),
    });
    if (name.startsWith('heartbeat-')) {
      // Beats within the interval, a silence (its incident opened), the beat that resolves it, a second silence.
      const history = await worker.runUntil(async () => {
        const incidents = new Incidents(env.client, 'record');
        const watch = env.client.workflow.getHandle(heartbeatWorkflowId(monitor));
        await incidents.heartbeat(monitor);
        await env.sleep('10 minutes');
        await incidents.heartbeat(monitor);
        await env.sleep('20 minutes');
        await waitFor('the silence', async () => (await watch.query(heartbeatMessages.state)).silent);
        await incidents.heartbeat(monitor);
        await waitFor('the resumption', async () => !(await watch.query(heartbeatMessages.state)).silent);
        await env.sleep('20 minutes');
        await waitFor('the second silence', async () => (await watch.query(heartbeatMessages.state)).silences === 2);
        await watch.terminate('recorded');
        return watch.fetchHistory();
      });
      return save(name, history);
    }
    // Alice is also mailed after two minutes; a SEV2 gets its own channel (both into the outbox).
    const policy: Policy = {
      ...samplePolicy,
      ackTimeoutMinutes: 30,
      incidentChannelFor: ['SEV2'],
      regulatory: { ladder: [{ notify: ['alice'] }], withinHours: { 'follow-up': 24 } },
      containment: {
        rules: [
          { mode: 'automatic', actions: [{ kind: 'isolate-tenant', mode: 'read-only' }] },
          { mode: 'approval', actions: [{ kind: 'suspend-credentials', credentials: ['stripe-live'] }] },
        ],
      },
      responders: samplePolicy.responders.map((r) =>
        r.name === 'alice'
          ? { ...r, email: 'alice@example.com', notify: { high: [{ channel: 'slack', afterMinutes: 0 }, { channel: 'email', afterMinutes: 2 }] } }
          : { ...r, roles: ['approver'] },
      ),
    };
    if (name.startsWith('drill-')) {
      // A drill of the first example scenario: Slack down and alice silent (the ladder climbs to
      // bob, by e-mail), an alert inject, containment planned (automatic and approved), the
      // GDPR clock from the scenario's awareness, a filing, the resolution.
      const history = await worker.runUntil(async () => {
        const file = join(__dirname, '../../examples/drills/client-side-pii-leak.yaml');
        const scenario = parseScenario(readFileSync(file, 'utf8'), file);
        const book = { policies: [policy], routes: [] };
        const { drillId } = await startDrill({ incidents: new Incidents(env.client, 'record'), book }, { policy: policy.name, scenario, startedBy: 'alice', now: new Date(await env.currentTimeMs()) });
        const handle = env.client.workflow.getHandle(drillId);
        await waitFor('level 1', async () => (await handle.query(queries.state)).pages.length === 1);
        await env.sleep('5 minutes');
        await waitFor('level 2', async () => (await handle.query(queries.state)).pages.length === 2);
        await env.sleep('16 minutes');
        await waitFor('the alert inject', async () => (await handle.query(queries.state)).alertCount === 2);
        await handle.executeUpdate(updates.acknowledge, { args: [{ slackUserId: 'U0BOB', via: 'slack' }] });
        await handle.executeUpdate(updates.approveContainment, { args: [{ by: { responder: 'bob', via: 'cli' }, actionId: 'a2' }] });
        await waitFor('containment planned', async () => (await handle.query(queries.state)).containment?.every((a) => a.status === 'dry-run'));
        await handle.executeUpdate(updates.file, { args: [{ by: { responder: 'bob', via: 'cli' }, obligation: 'gdpr-art33', reference: 'DRILL-1' }] });
        await handle.executeUpdate(updates.resolve, { args: [{ by: { responder: 'bob', via: 'cli' }, note: 'drill over' }] });
        await handle.result();
        return handle.fetchHistory();
      });
      return save(name, history);
    }
    if (name.startsWith('live-roster-')) {
      // Pinned policy, live roster: a run-time override puts bob on level 1's schedule (one roster
      // read, roster.applied); level 2 names alice (no read); acknowledged and resolved.
      const rostered: Policy = {
        ...samplePolicy,
        autoResolve: false,
        reviews: { required: false },
        schedules: [{ name: 'primary', layers: [{ name: 'weekly', members: ['alice'], zone: 'Europe/Berlin', start: '2026-01-05T09:00', turn: { weeks: 1 } }], overrides: [] }],
        levels: [{ targets: [{ schedule: 'primary' }], timeoutMinutes: 5 }, { targets: ['alice'], timeoutMinutes: 5 }],
      };
      const now = await env.currentTimeMs();
      await new OnCallOverrides(db.pool).add({ id: 'ovr-recorded', policy: rostered.name, schedule: 'primary', responder: 'bob', from: new Date(now - 60_000).toISOString(), to: new Date(now + 3_600_000).toISOString(), reason: 'recorded', by: 'alice', createdAt: new Date(now).toISOString() });
      const history = await worker.runUntil(async () => {
        const handle = await env.client.workflow.start(incident, { taskQueue: 'record', workflowId: `inc-${name}`, args: [{ incidentId: `inc-${name}`, policy: rostered, alert: sampleAlert() }] });
        await waitFor('level 1', async () => (await handle.query(queries.state)).pages.length === 1);
        await env.sleep('5 minutes');
        await waitFor('level 2', async () => (await handle.query(queries.state)).pages.length === 2);
        await handle.executeUpdate(updates.acknowledge, { args: [{ responder: 'bob', via: 'cli' }] });
        await handle.executeUpdate(updates.resolve, { args: [{ by: { responder: 'bob', via: 'cli' }, note: 'recorded' }] });
        await handle.result();
        return handle.fetchHistory();
      });
      return save(name, history);
    }
    // One alert of an Alertmanager notification group, the group being the incident.
    const group = { source: 'alertmanager', dedupKey: 'alertmanager:group:g1', title: 'Customer emails exposed', tenant: 'acme' };
    const member = (fingerprint: string) => ({ groupKey: '{}:{alertname="CustomerEmailsExposed"}', fingerprint, startsAt: '2026-11-24T09:58:30.000Z' });
    const alert = sampleAlert({ ...group, details: { labels: { alertname: 'CustomerEmailsExposed', pod: 'f1' } }, member: member('f1'), classification: { service: 'customers-api', surfaces: ['api-route'], jurisdictions: ['DE'] } });
    const resolution = (fingerprint: string, resolvedAt: string): SourceResolution => ({ ...group, labels: { pod: fingerprint }, deliveryId: `${fingerprint}/resolved/${resolvedAt}`, resolvedAt, member: member(fingerprint) });
    // The standard path, and each thing a responder may do to a ladder: page (Slack, then
    // email), open the incident channel, escalate, a second alert and a replay, snooze until
    // the level is paged again, acknowledge, let the acknowledgement lapse, reassign,
    // acknowledge, start a legal clock, let it remind (by the DPO/legal ladder too), decide
    // the Art. 34 risk, file in phases and owe a follow-up, withdraw an obligation, resolve.
    // (v1 files were recorded before snooze, reassign and lapses existed, v2 before
    // notification rules and incident channels, v3 before legal clocks, v4 before risk
    // decisions, obligation changes, phased filings and the regulatory ladder, v5 before
    // containment: isolated at once, a suspension approved, both undone on resolve; v6 before
    // notification groups (a second member fires, one resolves, a stale resolution is ignored),
    // malformed signals dropped with a record, containment asked for and rejected, and re-pins.)
    const history = await worker.runUntil(async () => {
      const handle = await env.client.workflow.start(incident, { taskQueue: 'record', workflowId: `inc-${name}`, args: [{ incidentId: `inc-${name}`, policy, alert }] });
      await waitFor('level 1', async () => (await handle.query(queries.state)).pages.length === 1);
      await env.sleep('5 minutes');
      await waitFor('level 2', async () => (await handle.query(queries.state)).pages.length === 2);
      await handle.signal(signals.alerts, batchAlerts([alert]));
      await handle.signal(signals.alerts, batchAlerts([{ ...alert, deliveryId: 'd2', dataCategories: ['credentials'] }, { ...alert, deliveryId: 'd3' }]));
      await handle.signal(signals.alerts, batchAlerts([{ ...alert, deliveryId: 'd4', member: member('f2'), details: { labels: { alertname: 'CustomerEmailsExposed', pod: 'f2' } } }]));
      await handle.signal(signals.sourceResolved, resolution('f2', '2026-11-24T10:30:00.000Z'));
      await handle.signal(signals.sourceResolved, resolution('f1', '2026-11-24T09:00:00.000Z'));
      // Past the API, straight to Temporal: dropped and recorded, the incident goes on.
      await handle.signal(signals.alerts, { deliveryIds: 'not a list' } as unknown as AlertBatch);
      await handle.executeUpdate(updates.snooze, { args: [{ by: { responder: 'bob', via: 'cli' }, minutes: 10 }] });
      await env.sleep('10 minutes');
      await waitFor('level 2 again', async () => (await handle.query(queries.state)).pages.length === 3);
      await handle.executeUpdate(updates.acknowledge, { args: [{ slackUserId: 'U0BOB', via: 'slack' }] });
      await handle.executeUpdate(updates.approveContainment, { args: [{ by: { responder: 'bob', via: 'cli' }, actionId: 'a2' }] });
      await waitFor('containment', async () => (await handle.query(queries.state)).containment?.every((a) => a.status === 'active'));
      const asked = await handle.executeUpdate(updates.requestContainment, { args: [{ by: { responder: 'alice', via: 'cli' }, spec: { kind: 'suspend-credentials', credentials: ['github-deploy'] }, reason: 'the key was in the rows' }] });
      await handle.executeUpdate(updates.rejectContainment, { args: [{ by: { responder: 'bob', via: 'cli' }, actionId: asked.actionId, reason: 'the key was rotated already' }] });
      await env.sleep('31 minutes');
      await waitFor('the lapse', async () => (await handle.query(queries.state)).pages.length === 4);
      await handle.executeUpdate(updates.reassign, { args: [{ by: { responder: 'alice', via: 'cli' }, to: 'bob' }] });
      await waitFor('the reassigned page', async () => (await handle.query(queries.state)).pages.length === 5);
      await handle.executeUpdate(updates.acknowledge, { args: [{ slackUserId: 'U0BOB', via: 'slack' }] });
      // Awareness starts GDPR Art. 33's clock; its first reminder fires; the filing stops it.
      await handle.executeUpdate(updates.trigger, { args: [{ by: { responder: 'alice', via: 'cli' }, event: 'aware' }] });
      await waitFor('the clock', async () => (await handle.query(queries.state)).clocks?.length === 1);
      await env.sleep('37 hours');
      await waitFor('the reminder', async () => (await handle.query(queries.state)).clocks?.[0].fired.length === 1);
      const by = { responder: 'alice', via: 'cli' } as const;
      await handle.executeUpdate(updates.riskDecision, { args: [{ by, highRisk: true, reasons: 'credentials in the rows' }] });
      await waitFor('the Art. 34 clock', async () => (await handle.query(queries.state)).clocks?.length === 2);
      await handle.executeUpdate(updates.file, { args: [{ by, obligation: 'gdpr-art33', reference: 'BfDI-1', outstanding: ['number of records'] }] });
      await env.sleep('25 hours');
      await waitFor('the owed follow-up', async () => (await handle.query(queries.state)).clocks?.[0].fired.includes('follow-up 1'));
      await handle.executeUpdate(updates.file, { args: [{ by, obligation: 'gdpr-art33', reference: 'BfDI-1/2' }] });
      await handle.executeUpdate(updates.obligations, { args: [{ by, remove: ['gdpr-art34'], reason: 'the credentials were salted hashes' }] });
      await handle.executeUpdate(updates.repin, { args: [{ by, policy: { ...policy, name: 'security-v2', hash: 'b'.repeat(64) } }] });
      await handle.executeUpdate(updates.resolve, { args: [{ by: { responder: 'alice', via: 'cli' }, note: 'route fixed' }] });
      await handle.result();
      return handle.fetchHistory();
    });
    save(name, history);
  } finally {
    await containment.close();
    await env.teardown();
    await db.drop();
    rmSync(outbox, { recursive: true, force: true });
  }
}

/** The heartbeat monitor a recorded watch watches. */
const monitor: HeartbeatMonitor = { name: 'recorded-drain', tenant: 'acme', intervalSeconds: 15 * 60, severity: 'SEV2' };

function save(name: string, history: temporal.api.history.v1.IHistory): void {
  // Binary protobuf: the SDK's JSON helpers trip over two copies of protobufjs in this tree.
  const file = join(__dirname, 'histories', `${name}.binpb`);
  writeFileSync(file, temporal.api.history.v1.History.encode(history).finish());
  console.log(`recorded ${history.events?.length} events to ${file}`);
}

const name = process.argv[2];
if (!name) {
  console.error('usage: npx tsx test/workflow/record-histories.ts <name>');
  process.exit(2);
}
main(name).catch((err) => {
  console.error(err);
  process.exit(1);
});

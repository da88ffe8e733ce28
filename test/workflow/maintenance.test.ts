import { WebApiSlack } from '../../activities/slack-web-api';
import { createMaintenanceActivities } from '../../activities/maintenance';
import { maintenanceChain, maintenanceWorkflowId, type MaintenanceWindow } from '../../core/maintenance/window';
import { MaintenanceWindows } from '../../ledger/maintenance-windows';
import { endMaintenanceUpdate, maintenanceWindow } from '../../workflows/maintenance';
import { timeSkippingIncidents } from '../support/incident-workflows';

/**
 * A maintenance window's workflow on the time-skipping server with its real activity (the
 * ledger in PostgreSQL, the Slack stand-in): it ends by itself at `until`, and its summary of
 * what it held is posted once to the policy's channel; an open-ended one ends only by `end`.
 */
const TASK_QUEUE = 'maintenance-test';
let windows: MaintenanceWindows;
const t = timeSkippingIncidents(TASK_QUEUE, {
  activities: () => {
    windows = new MaintenanceWindows(t.ledger);
    return createMaintenanceActivities({ windows, ledger: t.ledger, slack: new WebApiSlack(t.slack.token, t.slack.url), channelFor: (tenant) => (tenant === 'acme' ? 'C0ACME' : 'C0INCIDENTS') });
  },
});

let n = 0;
const ALICE = { type: 'responder' as const, name: 'alice', via: 'cli' };
async function opened(over: Partial<MaintenanceWindow> = {}): Promise<MaintenanceWindow> {
  n += 1;
  const now = Date.now();
  const w: MaintenanceWindow = { id: `mw-t${n}`, tenant: 'acme', from: new Date(now).toISOString(), until: new Date(now + 30 * 60_000).toISOString(), reason: 'db <migration>', by: 'alice', allowSev1PersonalData: false, createdAt: new Date(now).toISOString(), ...over };
  await windows.open(w, ALICE);
  return w;
}
const held = (w: MaintenanceWindow, i: number, severity: 'SEV2' | 'SEV3' = 'SEV2') =>
  windows.recordMet(w, { window: w.id, source: 'generic', severity, title: `Disk <!channel> ${i}`, dedupKey: `k${i}`, deliveryId: `d-${w.id}-${i}` }, undefined, new Date());
const posts = () => t.slack.callsOf('chat.postMessage').filter((c) => c.args.channel === 'C0ACME');

describe('a maintenance window', () => {
  it('ends by itself at until, posts what it held once to the policy channel, and records the end', async () => {
    await t.withWorker(async () => {
      const w = await opened();
      await held(w, 1);
      await held(w, 2, 'SEV3');
      await held(w, 2, 'SEV3'); // the same delivery again: counted once
      const handle = await t.env.client.workflow.start(maintenanceWindow, { taskQueue: TASK_QUEUE, workflowId: maintenanceWorkflowId(w.id), args: [{ id: w.id, tenant: w.tenant, until: w.until }] });
      const ended = await handle.result();
      expect(ended).toMatchObject({ id: w.id, endedAt: w.until, expired: true, held: 2, bypassed: 0, summary: { channel: 'C0ACME' } });
      expect(posts()).toHaveLength(1);
      expect(posts()[0].args.text).toBe('Maintenance over (tenant acme): 2 alert(s) held back');
      const blocks = JSON.stringify(posts()[0].args.blocks);
      expect(blocks).toContain('1 × SEV2 from generic');
      expect(blocks).toContain('Disk &lt;!channel&gt; 1');
      expect(blocks).toContain('db &lt;migration&gt;');
      expect(await windows.get(w.id)).toMatchObject({ endedAt: w.until, endedBy: 'klaxon-maintenance', held: 2 });

      // The end run again (a retried workflow, a second run): recorded already, posted once.
      const again = await t.env.client.workflow.execute(maintenanceWindow, { taskQueue: TASK_QUEUE, workflowId: `${maintenanceWorkflowId(w.id)}-again`, args: [{ id: w.id, tenant: w.tenant, until: w.until }] });
      expect(again).toEqual(ended);
      expect(posts()).toHaveLength(1);
      const kinds = (await t.ledger.timeline(maintenanceChain('acme'))).filter((e) => (e.payload.id ?? e.payload.window) === w.id).map((e) => e.kind);
      expect(kinds).toEqual(['maintenance.started', 'maintenance.alert_held', 'maintenance.alert_held', 'maintenance.ended']);
    });
  });

  it('open-ended: no timer, it ends by the end Update, which answers how it ended', async () => {
    await t.withWorker(async () => {
      const w = await opened({ until: null, openEnded: 'vendor gives no end' });
      const handle = await t.env.client.workflow.start(maintenanceWindow, { taskQueue: TASK_QUEUE, workflowId: maintenanceWorkflowId(w.id), args: [{ id: w.id, tenant: w.tenant, until: null }] });
      await t.env.sleep('40 days');
      expect((await windows.get(w.id))?.endedAt).toBeUndefined();
      const before = posts().length;
      const ended = await handle.executeUpdate(endMaintenanceUpdate, { args: [{ actor: ALICE }] });
      expect(ended).toMatchObject({ id: w.id, endedBy: 'alice', expired: false, held: 0, summary: { channel: 'C0ACME' } });
      expect(await handle.result()).toEqual(ended);
      expect(posts()).toHaveLength(before + 1);
      expect(posts().at(-1)!.args.text).toBe('Maintenance over (tenant acme): 0 alert(s) held back');
      const last = (await t.ledger.timeline(maintenanceChain('acme'))).at(-1)!;
      expect([last.kind, last.actor.name, last.payload.expired]).toEqual(['maintenance.ended', 'alice', false]);
    });
  });
  it('ends however long the ledger database is away: its end is retried until it is recorded, never given up', async () => {
    await t.withWorker(async () => {
      const w = await opened();
      // The database away for a good half hour of retries (more than ten attempts).
      const get = windows.get.bind(windows);
      let failures = 0;
      windows.get = async (id) => {
        if (failures < 14) {
          failures += 1;
          throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
        }
        return get(id);
      };
      try {
        const handle = await t.env.client.workflow.start(maintenanceWindow, { taskQueue: TASK_QUEUE, workflowId: maintenanceWorkflowId(w.id), args: [{ id: w.id, tenant: w.tenant, until: w.until }] });
        expect(await handle.result()).toMatchObject({ id: w.id, expired: true, summary: { channel: 'C0ACME' } });
      } finally {
        windows.get = get;
      }
      expect(failures).toBe(14);
      expect(await windows.get(w.id)).toMatchObject({ endedAt: w.until });
    });
  });
  it('still posts its summary when Slack fails once after a long database outage (the post has attempts of its own)', async () => {
    await t.withWorker(async () => {
      const w = await opened();
      const get = windows.get.bind(windows);
      let failures = 0;
      windows.get = async (id) => {
        if (failures < 8) {
          failures += 1;
          throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
        }
        return get(id);
      };
      t.slack.failures.set('chat.postMessage', { error: 'internal_error', remaining: 1 });
      try {
        const handle = await t.env.client.workflow.start(maintenanceWindow, { taskQueue: TASK_QUEUE, workflowId: maintenanceWorkflowId(w.id), args: [{ id: w.id, tenant: w.tenant, until: w.until }] });
        expect(await handle.result()).toMatchObject({ id: w.id, expired: true, summary: { channel: 'C0ACME' } });
      } finally {
        windows.get = get;
        t.slack.failures.delete('chat.postMessage');
      }
    });
  });
  it('gives the summary up after five failed posts, and records the end without it', async () => {
    await t.withWorker(async () => {
      const w = await opened();
      t.slack.failures.set('chat.postMessage', { error: 'internal_error', remaining: 20 });
      try {
        const handle = await t.env.client.workflow.start(maintenanceWindow, { taskQueue: TASK_QUEUE, workflowId: maintenanceWorkflowId(w.id), args: [{ id: w.id, tenant: w.tenant, until: w.until }] });
        expect(await handle.result()).toMatchObject({ id: w.id, expired: true, summary: { failed: expect.stringMatching(/internal_error/) } });
        expect(t.slack.failures.get('chat.postMessage')?.remaining).toBe(15);
      } finally {
        t.slack.failures.delete('chat.postMessage');
      }
    });
  });
});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validatePolicy } from '../../core/policy/policy';
import { incident } from '../../workflows/incident';
import { queries, updates } from '../../workflows/messages';
import { AdminApiStandIn } from '../support/admin-api-stand-in';
import { SLACK_ACTIONS } from '../../core/channels/slack-message';
import { EdgeConfigStandIn } from '../support/edge-config-stand-in';
import { Child, klaxon } from '../support/processes';
import { signSlack, slackButtonClick } from '../support/signing';
import { sampleAlert, samplePolicy } from '../support/samples';
import { postAlert, SLACK_SIGNING_SECRET, startTestStack, type TestStack } from '../support/stack';
import { waitFor } from '../support/waiting';

/**
 * Containment on the real stack: approval from a Slack button, requests and decisions from the
 * CLI, a false positive rolling it back; and a worker process killed mid-action.
 */
let stack: TestStack;
/** The worker process the crash case kills: started with the stack, so its start-up overlaps the first case. */
let crashWorker: Promise<Child>;
const admin = new AdminApiStandIn('initech-secret');
const edge = new EdgeConfigStandIn('vercel-token');
const dir = mkdtempSync(join(tmpdir(), 'klaxon-containment-'));
const TASK_QUEUE = 'containment-crash';

const POLICY = `
name: acme
responders:
  - { name: alice, slackUserId: U0ALICE, timeZone: Europe/Berlin, roles: [approver] }
  - { name: bob, slackUserId: U0BOB, timeZone: America/New_York }
  - { name: carol, slackUserId: U0CAROL, timeZone: Europe/Paris, roles: [approver] }
levels:
  - { targets: [alice], timeoutMinutes: 5 }
containment:
  rules:
    - when: { severity: [SEV1] }
      mode: approval
      actions: [{ kind: isolate-tenant, mode: read-only }]
`;

beforeAll(async () => {
  await Promise.all([admin.start(), edge.start()]);
  edge.create('ecfg_acme');
  writeFileSync(join(dir, 'policy.yaml'), POLICY);
  writeFileSync(
    join(dir, 'containment.yaml'),
    [
      'tenants:',
      `  acme: { adapter: edge-config, edgeConfigId: ecfg_acme, tokenEnv: VERCEL_API_TOKEN, apiUrl: "${edge.url}" }`,
      `  initech: { adapter: webhook, url: "${admin.url}", secretEnv: INITECH_CONTAINMENT_SECRET, timeoutMs: 30000 }`,
      '',
    ].join('\n'),
  );
  stack = await startTestStack({
    policyFile: join(dir, 'policy.yaml'),
    env: { KLAXON_CONTAINMENT_FILE: join(dir, 'containment.yaml'), VERCEL_API_TOKEN: 'vercel-token', INITECH_CONTAINMENT_SECRET: 'initech-secret' },
  });
  // Nothing runs on its task queue until the crash case starts its incident; a failed start fails that case.
  crashWorker = startWorker();
  crashWorker.catch(() => undefined);
});
afterAll(async () => {
  await Promise.all([stack?.stop(), admin.stop(), edge.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

const cli = (args: string[]) =>
  klaxon(args, { ...process.env, TEMPORAL_ADDRESS: stack.env.address, KLAXON_TASK_QUEUE: stack.config.temporal.taskQueue, DATABASE_URL: stack.db.url, KLAXON_DATA_DIR: '/nonexistent', KLAXON_POLICY_FILE: join(dir, 'policy.yaml'), TZ: 'UTC' });
const click = (userId: string, value: string) => {
  const form = slackButtonClick(userId, SLACK_ACTIONS.approveContainment, value);
  return fetch(`${stack.apiUrl}/v1/slack/interactions`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...signSlack(SLACK_SIGNING_SECRET, form) }, body: form });
};

it('approved from Slack by an approver, requested and decided with the CLI, rolled back as a false positive', async () => {
  const res = await postAlert(stack.apiUrl, JSON.stringify({ title: 'Invoices of acme served to other tenants', severity: 'SEV1', tenant: 'acme', dedupKey: 'invoices', details: {} }));
  const incidentId = String(res.body.incidentId);
  const notice = await waitFor('the approval request in Slack', () => stack.slack.callsOf('chat.postMessage').find((c) => String(c.args.text).includes('awaits approval: a1 isolate tenant acme (read-only)')));
  expect(JSON.stringify(notice.args.blocks)).toContain(`"value":"${incidentId} a1"`);

  const refused = await click('U0BOB', `${incidentId} a1`);
  expect(refused.status).toBe(403);
  expect(((await refused.json()) as { error: string }).error).toBe('bob does not have the approver role and cannot approve containment');
  expect((await click('U0ALICE', `${incidentId} a1`)).status).toBe(200);
  await waitFor('the isolation at the edge', () => edge.value('ecfg_acme', 'klaxon_tenant_acme_isolate-tenant'));

  const requested = await cli(['containment', 'request', incidentId, '--kind', 'throttle-provisioning', '--limit', 'invitations=0', '--limit', 'signups=5', '--reason', 'sign-up abuse', '--as', 'alice']);
  expect(requested.stdout).toBe(`${incidentId}: containment a2 requested; it waits for an approver other than you.\n`);
  const self = await cli(['containment', 'approve', incidentId, 'a2', '--as', 'alice']).catch((e: { code: number; stderr: string }) => e);
  expect(self).toMatchObject({ code: 1, stderr: expect.stringContaining('a second person must approve it (two-person rule)') });
  expect((await cli(['containment', 'approve', incidentId, 'a2', '--as', 'carol'])).stdout).toBe(`${incidentId}: containment a2 is approved.\n`);
  await waitFor('the throttle at the edge', () => edge.value('ecfg_acme', 'klaxon_tenant_acme_throttle-provisioning'));
  // Waited for through the client (a CLI run per poll costs seconds), then shown once by the CLI.
  await waitFor('both in force', async () => (await stack.incidents.state(incidentId)).containment?.map((a) => `${a.id} ${a.status}`).join(', ') === 'a1 active, a2 active');
  const shown = (await cli(['incidents', 'show', incidentId])).stdout;
  expect(shown).toContain('Containment a2: throttle provisioning of tenant acme (invitations 0/h, signups 5/h): active (approved by carol)');
  expect(shown).toContain('Containment a1: isolate tenant acme (read-only): active (approved by alice)');

  const fp = await cli(['false-positive', incidentId, '--reason', 'the "other tenant" was a staff impersonation session', '--as', 'bob']);
  expect(fp.stdout).toBe(`${incidentId} resolved as a false positive by bob; its containment is rolled back.\n`);
  await waitFor('the rollback', async () => (await stack.incidents.state(incidentId)).containment?.every((a) => a.status === 'undone'));
  expect(edge.value('ecfg_acme', 'klaxon_tenant_acme_isolate-tenant')).toBeUndefined();
  expect(edge.value('ecfg_acme', 'klaxon_tenant_acme_throttle-provisioning')).toBeUndefined();
});


const startWorker = async (): Promise<Child> => {
  const worker = Child.start(process.execPath, ['--import', 'tsx', 'worker/main.ts'], {
    ...process.env,
    TEMPORAL_ADDRESS: stack.env.address,
    KLAXON_TASK_QUEUE: TASK_QUEUE,
    DATABASE_URL: stack.db.url,
    KLAXON_CONTAINMENT_FILE: join(dir, 'containment.yaml'),
    INITECH_CONTAINMENT_SECRET: 'initech-secret',
    VERCEL_API_TOKEN: 'vercel-token',
    KLAXON_OUTBOX_DIR: join(dir, 'outbox'),
  });
  await worker.waitForOutput('"msg":"polling ');
  return worker;
};

it('a worker killed mid-action: the next one finishes it, and the customer acts once', async () => {
  const policy = validatePolicy({ ...samplePolicy, containment: { rules: [{ mode: 'automatic', actions: [{ kind: 'suspend-credentials', credentials: ['segment'] }] }] } });
  const incidentId = 'inc-initech-crash';
  admin.actThenHang.push('apply');
  const first = await crashWorker;
  const handle = await stack.env.client.workflow.start(incident, {
    taskQueue: TASK_QUEUE,
    workflowId: incidentId,
    args: [{ incidentId, policy, alert: sampleAlert({ tenant: 'initech', severity: 'SEV1' }) }],
  });
  await waitFor('the suspension to reach the admin API', () => admin.effects.get(`${incidentId}/a1/apply`) === 1, 60_000);
  first.process.kill('SIGKILL');
  await first.exited;

  const second = await startWorker();
  try {
    // The dead worker's attempt misses its heartbeat (15 s); the retry lands on the new worker.
    await waitFor('the action to be verified', async () => (await handle.query(queries.state)).containment?.[0]?.status === 'active', 60_000);
    expect(admin.received.filter((k) => k === `${incidentId}/a1/apply`).length).toBeGreaterThanOrEqual(2);
    expect(admin.effects.get(`${incidentId}/a1/apply`)).toBe(1);
    await handle.executeUpdate(updates.resolve, { args: [{ by: { responder: 'alice', via: 'cli' } }] });
    const final = await handle.result();
    expect(final.containment![0].status).toBe('undone');
    expect(admin.effects.get(`${incidentId}/a1/undo`)).toBe(1);
    expect(admin.active.get('initech')!.size).toBe(0);
  } finally {
    second.process.kill('SIGTERM');
    await second.exited;
  }
}, 120_000);

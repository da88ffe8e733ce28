import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validatePolicy } from '../../core/policy';
import { incident, resolveUpdate, stateQuery } from '../../workflows/incident';
import { AdminApiStandIn } from '../support/admin-api-stand-in';
import { Child } from '../support/processes';
import { sampleAlert, samplePolicy } from '../support/samples';
import { startTestStack, type TestStack } from '../support/stack';
import { waitFor } from '../support/waiting';

/**
 * A worker process killed (SIGKILL) right after the customer's admin API acted and before the
 * answer reached Temporal: the next worker retries with the same idempotency key, and the
 * customer's side acts once.
 */
let stack: TestStack;
const admin = new AdminApiStandIn('initech-secret');
const dir = mkdtempSync(join(tmpdir(), 'klaxon-crash-'));
const TASK_QUEUE = 'containment-crash';

beforeAll(async () => {
  [stack] = await Promise.all([startTestStack(), admin.start()]);
  writeFileSync(join(dir, 'containment.yaml'), `tenants:\n  initech: { adapter: webhook, url: "${admin.url}", secretEnv: INITECH_CONTAINMENT_SECRET, timeoutMs: 30000 }\n`);
});
afterAll(async () => {
  await Promise.all([stack?.stop(), admin.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

const startWorker = async (): Promise<Child> => {
  const worker = Child.start(process.execPath, ['--import', 'tsx', 'worker/main.ts'], {
    ...process.env,
    TEMPORAL_ADDRESS: stack.env.address,
    KLAXON_TASK_QUEUE: TASK_QUEUE,
    DATABASE_URL: stack.db.url,
    KLAXON_CONTAINMENT_FILE: join(dir, 'containment.yaml'),
    INITECH_CONTAINMENT_SECRET: 'initech-secret',
    KLAXON_OUTBOX_DIR: join(dir, 'outbox'),
  });
  await worker.waitForOutput('klaxon worker: polling');
  return worker;
};

it('a worker killed mid-action: the next one finishes it, and the customer acts once', async () => {
  const policy = validatePolicy({ ...samplePolicy, containment: { rules: [{ mode: 'automatic', actions: [{ kind: 'suspend-credentials', credentials: ['segment'] }] }] } });
  const incidentId = 'inc-initech-crash';
  admin.actThenHang.push('apply');
  const first = await startWorker();
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
    await waitFor('the action to be verified', async () => (await handle.query(stateQuery)).containment?.[0]?.status === 'active', 60_000);
    expect(admin.received.filter((k) => k === `${incidentId}/a1/apply`).length).toBeGreaterThanOrEqual(2);
    expect(admin.effects.get(`${incidentId}/a1/apply`)).toBe(1);
    await handle.executeUpdate(resolveUpdate, { args: [{ by: { responder: 'alice', via: 'cli' } }] });
    const final = await handle.result();
    expect(final.containment![0].status).toBe('undone');
    expect(admin.effects.get(`${incidentId}/a1/undo`)).toBe(1);
    expect(admin.active.get('initech')!.size).toBe(0);
  } finally {
    second.process.kill('SIGTERM');
    await second.exited;
  }
}, 120_000);

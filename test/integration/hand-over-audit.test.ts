import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { batchAlerts } from '../../core/alerts/alert-batch';
import type { Alert } from '../../core/alerts/alert';
import { signals } from '../../workflows/messages';
import { PagerDutyStandIn } from '../support/pagerduty-stand-in';
import { postAlert, startTestStack, type TestStack } from '../support/stack';
import { waitFor } from '../support/waiting';

/**
 * An incident whose run Temporal asks to hand over (here after 60 history events) waits for its
 * follow-up notifications before it continues as new. Meanwhile its audit events still reach the
 * ledger at once: an acknowledgement is not held back until a follow-up half an hour later.
 */
const ROUTING_KEY = 'R0HANDOVER00000000000000000000000';
const dir = mkdtempSync(join(tmpdir(), 'klaxon-hand-over-'));
const POLICY = join(dir, 'policy.yaml');
writeFileSync(
  POLICY,
  [
    'name: hand-over',
    'responders:',
    '  - name: alice',
    '    slackUserId: U0ALICE',
    '    pagerDutyService: ops',
    '    timeZone: Europe/Berlin',
    '    notify: { high: [{ channel: slack, afterMinutes: 0 }, { channel: pagerduty, afterMinutes: 30 }] }',
    '  - { name: bob, slackUserId: U0BOB, timeZone: America/New_York }',
    'levels:',
    '  - { targets: [alice], timeoutMinutes: 60 }',
    '  - { targets: [bob], timeoutMinutes: 60 }',
  ].join('\n'),
);
const pagerduty = new PagerDutyStandIn();
let stack: TestStack;

beforeAll(async () => {
  await pagerduty.start();
  pagerduty.routingKeys.add(ROUTING_KEY);
  stack = await startTestStack({
    policyFile: POLICY,
    pagerduty: { standIn: pagerduty, routingKeys: `ops=${ROUTING_KEY}`, webhookSecrets: 'pd-webhook-secret' },
    serverArgs: ['--dynamic-config-value', 'limit.historyCount.suggestContinueAsNew=60'],
  });
});
afterAll(async () => {
  await stack?.stop();
  await pagerduty.stop();
  rmSync(dir, { recursive: true, force: true });
});

it('an acknowledgement while the run waits to hand over is in the ledger at once', async () => {
  const opened = await postAlert(stack.apiUrl, JSON.stringify({ title: 'Slow leak', severity: 'SEV2', tenant: 'acme', dedupKey: 'hand-over' }));
  const incidentId = opened.body.incidentId as string;
  const handle = stack.env.client.workflow.getHandle(incidentId);
  await waitFor('the page in the ledger', async () => (await stack.ledger.timeline(incidentId)).some((e) => e.kind === 'responder.paged'));

  const alert = (i: number): Alert => ({
    source: 'generic', title: 'Slow leak', severity: 'SEV2', dedupKey: 'hand-over', tenant: 'acme', dataCategories: [],
    details: {}, deliveryId: `trickle-${i}`, receivedAt: new Date().toISOString(),
  });
  for (let i = 0; i < 40; i++) await handle.signal(signals.alerts, batchAlerts([alert(i)]));
  // Every count written: the run now waits for alice's PagerDuty follow-up to hand over.
  await waitFor('the counts in the ledger', async () => (await stack.ledger.timeline(incidentId)).filter((e) => e.kind === 'alert.received').reduce((n, e) => n + (e.payload.count as number), 0) === 41, 30_000);
  expect((await handle.describe()).raw.workflowExecutionInfo?.historyLength?.toNumber()).toBeGreaterThan(60);

  await stack.incidents.change('acknowledge', incidentId, { responder: 'alice', via: 'cli' });
  await waitFor('the acknowledgement in the ledger', async () => (await stack.ledger.timeline(incidentId)).some((e) => e.kind === 'incident.acknowledged'), 15_000);
});

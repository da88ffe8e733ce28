import { batchAlerts } from '../../core/alerts/alert-batch';
import type { Alert } from '../../core/alerts/alert';
import { signals } from '../../workflows/messages';
import { postAlert, startTestStack, type TestStack } from '../support/stack';
import { waitFor } from '../support/waiting';

/**
 * A long incident hands over to a fresh run when Temporal suggests it. The dev server here
 * suggests it after 60 history events, so a few dozen alert batches are enough to see state,
 * the escalation timer and the audit trail carried across.
 */
let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack({
    serverArgs: ['--dynamic-config-value', 'limit.historyCount.suggestContinueAsNew=60'],
    // Six seconds a level, in real time.
    escalationMinutes: 0.1,
  });
});
afterAll(() => stack?.stop());

it('continues as new with its alerts, its timer, its pages and its ledger intact', async () => {
  const opened = await postAlert(stack.apiUrl, JSON.stringify({ title: 'Slow leak', severity: 'SEV2', tenant: 'acme', dedupKey: 'long-one' }));
  const incidentId = opened.body.incidentId as string;
  const handle = stack.env.client.workflow.getHandle(incidentId);
  const firstRun = (await handle.describe()).runId;

  const alert = (i: number): Alert => ({
    source: 'generic', title: 'Slow leak', severity: 'SEV2', dedupKey: 'long-one', tenant: 'acme', dataCategories: [],
    details: {}, deliveryId: `trickle-${i}`, receivedAt: new Date().toISOString(),
  });
  for (let i = 0; i < 40; i++) await handle.signal(signals.alerts, batchAlerts([alert(i)]));

  await waitFor('a new run', async () => (await handle.describe()).runId !== firstRun);
  const firstHistory = await stack.env.client.workflow.getHandle(incidentId, firstRun).fetchHistory();
  expect(firstHistory.events!.at(-1)!.workflowExecutionContinuedAsNewEventAttributes).toBeTruthy();

  const state = await waitFor('all alerts counted in the new run', async () => {
    const s = await stack.incidents.state(incidentId);
    return s.alertCount === 41 && s;
  });
  expect(state.pages.map((p) => p.responder)).toContain('alice');

  // Level 2 comes when level 1's six seconds are up, not six seconds after the hand-over.
  const timeline = await waitFor('the escalation', async () => {
    const t = await stack.ledger.timeline(incidentId);
    return t.some((e) => e.kind === 'incident.escalated') && t;
  }, 30_000);
  const at = (kind: string) => Date.parse(timeline.find((e) => e.kind === kind)!.occurredAt);
  expect((at('incident.escalated') - at('responder.paged')) / 1000).toBeCloseTo(6, 0);

  expect(await stack.incidents.change('acknowledge', incidentId, { responder: 'bob', via: 'cli' })).toMatchObject({ acknowledgedBy: 'bob', alreadyDone: false });
  const final = await waitFor('the acknowledgement in the ledger', async () => {
    const t = await stack.ledger.timeline(incidentId);
    return t.some((e) => e.kind === 'incident.acknowledged') && t;
  });
  expect((await stack.ledger.verify(incidentId)).ok).toBe(true);
  expect(final.filter((e) => e.kind === 'alert.received').reduce((n, e) => n + (e.payload.count as number), 0)).toBe(41);
  expect(final.filter((e) => e.kind === 'responder.paged').map((e) => e.payload.responder)).toEqual(['alice', 'bob']);
  expect(stack.slack.callsOf('chat.postMessage').filter((c) => JSON.stringify(c.args.blocks).includes(incidentId))).toHaveLength(2);
});

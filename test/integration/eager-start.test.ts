import { once } from 'node:events';
import type { AddressInfo, Server } from 'node:net';
import { temporal } from '@temporalio/proto';
import { apiDepsFromConfig, createApiServer } from '../../client/api/server';
import { incidentsBesideWorker } from '../../client/connect';
import type { Incidents } from '../../client/incidents';
import type { Alert } from '../../core/alerts/alert';
import { postAlert, startTestStack, type TestStack } from '../support/stack';
import { closeServer, track } from '../support/teardown';
import { waitFor } from '../support/waiting';

/**
 * The embedded stack's API opens incidents on its worker's own connection (client/connect.ts
 * `incidentsBesideWorker`): a new incident is started eagerly, its first workflow task handed to
 * the worker in the start's answer; an alert of an open incident still joins it, and a key whose
 * incident closed opens a new one.
 */
const { EventType } = temporal.api.enums.v1;
type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

let stack: TestStack;
let incidents: Incidents;
let apiUrl: string;

beforeAll(async () => {
  stack = await startTestStack();
  // As scripts/embedded-stack.ts wires it: the stack's worker polls on this very connection.
  ({ incidents } = incidentsBesideWorker(stack.config, stack.env.nativeConnection));
  const api: Server = track(createApiServer({ ...apiDepsFromConfig(stack.config, incidents), log: () => undefined }), closeServer);
  api.listen(0, '127.0.0.1');
  await once(api, 'listening');
  apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
});
afterAll(() => stack?.stop());

let n = 0;
const alertBody = (dedupKey: string) => JSON.stringify({ title: `Customer export served to the wrong tenant (${++n})`, severity: 'SEV2', tenant: 'acme', dedupKey });
const history = async (incidentId: string, runId?: string): Promise<HistoryEvent[]> => (await stack.env.client.workflow.getHandle(incidentId, runId).fetchHistory()).events ?? [];
const ms = (e: HistoryEvent) => Number(e.eventTime!.seconds) * 1000 + (e.eventTime!.nanos ?? 0) / 1e6;

/** Whether the run's first workflow task went to the worker with the start (eager) rather than through the task queue. */
function startedEagerly(events: HistoryEvent[]): boolean {
  const started = events.find((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED)!;
  const firstTask = events.find((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED)!;
  // An eager start records the task as started in the start's own write; a queued task is
  // started only when a poller takes it, after the start was stored and dispatched.
  return events.indexOf(firstTask) === 2 && ms(firstTask) - ms(started) < 10;
}
const signalled = (events: HistoryEvent[]) => events.filter((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED).length;

it('starts a new incident eagerly and pages from it; a second alert joins it and is counted', async () => {
  const first = await postAlert(apiUrl, alertBody('eager-1'));
  expect(first).toEqual({ status: 202, body: { incidentId: expect.stringMatching(/^inc-acme-/), deduplicated: false } });
  const incidentId = first.body.incidentId as string;
  await waitFor('the page', () => [...stack.slack.messages.values()].find((m) => JSON.stringify(m.blocks).includes(incidentId)));
  const opened = await history(incidentId);
  expect(startedEagerly(opened)).toBe(true);
  // The first alert travels as the input only: no signal repeats it.
  expect(signalled(opened)).toBe(0);
  expect((await incidents.state(incidentId)).alertCount).toBe(1);

  // The start fails for an open incident (nothing written), and the alert is signalled to it.
  const second = await postAlert(apiUrl, alertBody('eager-1'));
  expect(second).toEqual({ status: 202, body: { incidentId, deduplicated: true } });
  expect((await incidents.state(incidentId)).alertCount).toBe(2);
  expect(signalled(await history(incidentId))).toBe(1);
});

it('opens a new run, eagerly, for a key whose incident was resolved and closed', async () => {
  const first = await postAlert(apiUrl, alertBody('eager-2'));
  const incidentId = first.body.incidentId as string;
  const handle = stack.env.client.workflow.getHandle(incidentId);
  const firstRun = (await handle.describe()).runId;
  await incidents.change('resolve', incidentId, { by: { responder: 'alice', via: 'cli' } });
  await handle.result();

  const again = await postAlert(apiUrl, alertBody('eager-2'));
  expect(again).toEqual({ status: 202, body: { incidentId, deduplicated: false } });
  const secondRun = (await handle.describe()).runId;
  expect(secondRun).not.toBe(firstRun);
  expect(startedEagerly(await history(incidentId, secondRun))).toBe(true);
  expect((await incidents.state(incidentId)).alertCount).toBe(1);
});

it('signals a batch with its start, as the storm path and the kept unredacted alerts need', async () => {
  const policy = stack.config.policies.policies[0];
  const alert = (i: number): Alert => ({
    source: 'generic', title: `Batch alert ${i}`, severity: 'SEV2', dedupKey: 'eager-batch', tenant: 'acme', dataCategories: [], details: {},
    deliveryId: `eager-batch-${i}`, receivedAt: new Date().toISOString(),
  });
  const opened = await incidents.open([alert(1), alert(2)], policy);
  expect(opened).toEqual({ incidentId: expect.stringMatching(/^inc-acme-/), started: true });
  const events = await history(opened.incidentId);
  expect(signalled(events)).toBe(1);
  expect(startedEagerly(events)).toBe(false);
  await waitFor('both alerts counted', async () => (await incidents.state(opened.incidentId)).alertCount === 2);
});

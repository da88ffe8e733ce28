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
const alert = (dedupKey: string, i: number): Alert => ({
  source: 'generic', title: `Customer export served to the wrong tenant (${i})`, severity: 'SEV2', dedupKey, tenant: 'acme', dataCategories: [], details: {},
  deliveryId: `${dedupKey}-${i}`, receivedAt: new Date().toISOString(),
});
const policy = () => stack.config.policies.policies[0];
const history = async (incidentId: string, runId?: string): Promise<HistoryEvent[]> => (await stack.env.client.workflow.getHandle(incidentId, runId).fetchHistory()).events ?? [];
const signalled = (events: HistoryEvent[]) => events.filter((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED).length;
const paged = (incidentId: string) => waitFor(`the page of ${incidentId}`, () => [...stack.slack.messages.values()].find((m) => JSON.stringify(m.blocks).includes(incidentId)));

it("hands a new incident's first workflow task to the worker with the start, and signals an alert that joins it", async () => {
  const opened = await incidents.open([alert('eager-1', 1)], policy());
  expect(opened).toEqual({ incidentId: expect.stringMatching(/^inc-acme-/), started: true, eagerly: true });
  await paged(opened.incidentId);
  // The first alert travels as the input only: no signal repeats it.
  expect(signalled(await history(opened.incidentId))).toBe(0);
  expect((await incidents.state(opened.incidentId)).alertCount).toBe(1);

  // The start fails for an open incident (nothing written), and the alert is signalled to it.
  expect(await incidents.open([alert('eager-1', 2)], policy())).toEqual({ incidentId: opened.incidentId, started: false, eagerly: false });
  expect((await incidents.state(opened.incidentId)).alertCount).toBe(2);
  expect(signalled(await history(opened.incidentId))).toBe(1);
});

it('answers and pages through the API as before: opened, then joined and counted', async () => {
  const first = await postAlert(apiUrl, alertBody('eager-http'));
  expect(first).toEqual({ status: 202, body: { incidentId: expect.stringMatching(/^inc-acme-/), deduplicated: false } });
  const incidentId = first.body.incidentId as string;
  await paged(incidentId);
  expect(signalled(await history(incidentId))).toBe(0);
  expect(await postAlert(apiUrl, alertBody('eager-http'))).toEqual({ status: 202, body: { incidentId, deduplicated: true } });
  expect((await incidents.state(incidentId)).alertCount).toBe(2);
});

it('opens a new run, eagerly, for a key whose incident was resolved and closed', async () => {
  const { incidentId } = await incidents.open([alert('eager-2', 1)], policy());
  const handle = stack.env.client.workflow.getHandle(incidentId);
  const firstRun = (await handle.describe()).runId;
  await incidents.change('resolve', incidentId, { by: { responder: 'alice', via: 'cli' } });
  await handle.result();

  expect(await incidents.open([alert('eager-2', 2)], policy())).toEqual({ incidentId, started: true, eagerly: true });
  expect((await handle.describe()).runId).not.toBe(firstRun);
  expect((await incidents.state(incidentId)).alertCount).toBe(1);
});

it('signals a batch with its start, as the storm path and the kept unredacted alerts need', async () => {
  const opened = await incidents.open([alert('eager-batch', 1), alert('eager-batch', 2)], policy());
  expect(opened).toEqual({ incidentId: expect.stringMatching(/^inc-acme-/), started: true, eagerly: false });
  expect(signalled(await history(opened.incidentId))).toBe(1);
  await waitFor('both alerts counted', async () => (await incidents.state(opened.incidentId)).alertCount === 2);
});

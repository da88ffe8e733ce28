import type { WorkflowBundle } from '@temporalio/worker';
import type { temporal } from '@temporalio/proto';
import { frozenWorkflowBundle } from '../support/frozen-bundles';
import { postAlert, startTestStack, type TestStack } from '../support/stack';
import { waitFor } from '../support/waiting';
import { todaysWorkflowBundle } from '../support/workflow-bundle';

/**
 * A deploy while incidents are open (docs/WORKFLOW-VERSIONING.md): an incident opened by the
 * last release's workflow code, frozen in test/workflow/bundles, is handed mid-ladder to a
 * worker of today's code on the same task queue, which replays its history and runs it to the
 * end. A change to workflow behaviour made without patched() fails here: the new worker's
 * replay meets commands the old code did not give, and the history shows WorkflowTaskFailed.
 */
const RELEASE = '0054250';
/**
 * Long enough for the worker to be replaced before level 1's wait ends, so level 2 is today's
 * code's doing: from alice's page to today's worker polling (the trigger, the clock, the old
 * worker's stop with its 2 s grace) took 0.7 s here, so 15 s leaves twenty times that; the test
 * checks it did (bob not yet paged when the new worker is up) rather than trusting it.
 */
const LEVEL_MINUTES = 0.25;

let stack: TestStack;
let today: WorkflowBundle;
beforeAll(async () => {
  // Today's code is bundled beforehand, so the hand-over is quick (a deploy builds it first too).
  [stack, today] = await Promise.all([
    startTestStack({ workflowBundle: frozenWorkflowBundle(RELEASE), escalationMinutes: LEVEL_MINUTES }),
    todaysWorkflowBundle(),
  ]);
});
afterAll(() => stack?.stop());

const buildOf = (e: temporal.api.history.v1.IHistoryEvent) => e.workflowTaskCompletedEventAttributes?.workerVersion?.buildId;

it(`runs an incident opened by release ${RELEASE} to its end on a worker of today's code`, async () => {
  const oldBuild = stack.worker.options.buildId;
  const opened = await postAlert(stack.apiUrl, JSON.stringify({ title: 'Customer exports readable by another tenant', severity: 'SEV2', tenant: 'acme', dedupKey: 'upgrade-1', dataCategories: ['personal-data'] }));
  expect(opened.status).toBe(202);
  const id = opened.body.incidentId as string;
  const paged = async () => (await stack.incidents.state(id)).pages.map((p) => p.responder);

  // On the release's code: alice paged at level 1, GDPR Art. 33's clock started by awareness.
  await waitFor('alice paged at level 1', async () => (await paged()).length === 1);
  const alice = { responder: 'alice', via: 'cli' } as const;
  expect(await stack.incidents.change('trigger', id, { by: alice, event: 'aware' })).toMatchObject({ starts: ['gdpr-art33'] });
  await waitFor('the GDPR clock', async () => (await stack.incidents.state(id)).clocks?.length === 1);

  const worker = await stack.replaceWorker(today);
  expect(worker.options.buildId).not.toBe(oldBuild);
  // The old worker is gone before level 1's wait ended (else this test proves nothing about the timer).
  expect(await paged()).toEqual(['alice']);

  // On today's code: the old incident's timer pages bob, he acknowledges, the clock is filed, it resolves.
  await waitFor("bob paged at level 2 by the old incident's timer", async () => (await paged()).length === 2, 90_000);
  expect(await paged()).toEqual(['alice', 'bob']);
  expect(await stack.incidents.change('acknowledge', id, { responder: 'bob', via: 'cli' })).toMatchObject({ acknowledgedBy: 'bob', alreadyDone: false });
  await stack.incidents.change('file', id, { by: alice, obligation: 'gdpr-art33', reference: 'BfDI-2026-90' });
  await stack.incidents.change('resolve', id, { by: { responder: 'bob', via: 'cli' }, note: 'export bucket policy restored' });
  const handle = stack.env.client.workflow.getHandle(id);
  expect(await handle.result()).toMatchObject({ status: 'resolved', acknowledgedBy: 'bob', resolvedBy: 'bob' });

  // No workflow task failed: today's code replayed the release's history without nondeterminism.
  const events = (await handle.fetchHistory()).events ?? [];
  const failures = events.flatMap((e) => (e.workflowTaskFailedEventAttributes ? [`${e.workflowTaskFailedEventAttributes.cause}: ${e.workflowTaskFailedEventAttributes.failure?.message}`] : []));
  expect(failures).toEqual([]);
  // Each workflow task names the build that completed it: the release's first, today's after the hand-over.
  const builds = events.map(buildOf).filter((b): b is string => !!b);
  expect(builds[0]).toBe(oldBuild);
  expect(builds.at(-1)).toBe(worker.options.buildId);
  expect(new Set(builds)).toEqual(new Set([oldBuild, worker.options.buildId]));
  // Visibility keeps every build that worked on a run: the query that tells when a patch can be retired.
  const ranOn = async (build: string | undefined) => (await stack.env.client.workflow.count(`WorkflowType = 'incident' AND WorkflowId = '${id}' AND BuildIds IN ('unversioned:${build}')`)).count;
  await waitFor('visibility to name both builds', async () => (await ranOn(oldBuild)) === 1 && (await ranOn(worker.options.buildId)) === 1);

  // The ledger is whole: every step of both workers, once, in order, its chain intact.
  const timeline = await waitFor('the resolution in the ledger', async () => {
    const t = await stack.ledger.timeline(id);
    return t.some((e) => e.kind === 'incident.resolved') && t;
  });
  // Its post-incident review (today's code owes one) writes to the same chain from a workflow of its own: aside here.
  expect(timeline.map((e) => e.kind).filter((k) => !k.startsWith('review.'))).toEqual([
    'incident.opened', 'alert.received', 'responder.paged', 'clock.trigger_recorded', 'clock.started',
    'incident.escalated', 'responder.paged', 'incident.acknowledged', 'clock.filed', 'incident.resolved',
  ]);
  expect(timeline.filter((e) => e.kind === 'responder.paged').map((e) => e.payload.responder)).toEqual(['alice', 'bob']);
  expect((await stack.ledger.verify(id)).ok).toBe(true);
});

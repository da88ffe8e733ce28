import type { Info } from '@temporalio/activity';
import { MockActivityEnvironment, TestWorkflowEnvironment } from '@temporalio/testing';
import { Incidents } from '../../client/incidents';
import { samplePolicy } from '../support/samples';
import { installTestRuntime } from '../support/runtime';
import { registerSearchAttributes } from '../support/temporal';
import { track } from '../support/teardown';
import { drillStarterActivities } from '../../worker/drill-starter';

/**
 * A drill schedule's start is an activity Temporal retries (workflows/scheduled-drill.ts): an
 * attempt whose drill started but whose answer was lost (a worker that died, a timeout) is
 * tried again. One firing must open one drill, or the policy's responders are paged twice.
 * No worker is needed: the drill's workflow is started, and only looked at.
 */
let env: TestWorkflowEnvironment;
beforeAll(async () => {
  installTestRuntime();
  env = track(await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: process.env.TEMPORAL_TEST_SERVER_PATH! } } }), (e) => e.teardown());
  await registerSearchAttributes(env.connection);
});

const SCENARIO = 'name: quarterly\ntenant: acme\nalert: { title: PII in logs, severity: SEV2 }\n';

it('opens one drill per firing, however often its start is retried', async () => {
  const starter = drillStarterActivities(new Incidents(env.client, 'scheduled-drill-retry'), { policies: [samplePolicy], routes: [] });
  const input = { scheduleId: 'drill-schedule-quarterly', policy: samplePolicy.name, scenario: SCENARIO, scenarioFile: 'quarterly.yaml' };
  const start = (info: Partial<Info>) => new MockActivityEnvironment(info).run(starter.startScheduledDrill, input) as Promise<{ drillId: string }>;
  const firing = { workflowExecution: { workflowId: 'drill-schedule-quarterly-2026-12-01T09:00:00Z', runId: 'b0a6c1d2-0000-4000-8000-000000000001' }, scheduledTimestampMs: Date.parse('2026-12-01T09:00:00.250Z') };
  // The second attempt runs later: what it starts must still be the first attempt's drill.
  const first = await start({ ...firing, attempt: 1, currentAttemptScheduledTimestampMs: firing.scheduledTimestampMs });
  const retried = await start({ ...firing, attempt: 2, currentAttemptScheduledTimestampMs: firing.scheduledTimestampMs + 65_000 });
  expect(first.drillId).toMatch(/^drill-acme-20261201090000-[0-9a-f]{6}$/);
  expect(retried.drillId).toBe(first.drillId);
  expect((await env.client.workflow.getHandle(first.drillId).describe()).type).toBe('drill');

  // The next firing (another run of the schedule's workflow) is another drill.
  const next = await start({ ...firing, workflowExecution: { ...firing.workflowExecution, runId: 'b0a6c1d2-0000-4000-8000-000000000002' }, attempt: 1 });
  expect(next.drillId).not.toBe(first.drillId);
});

import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkerOptions, type WorkflowBundle } from '@temporalio/worker';
import type { WorkflowHandle } from '@temporalio/client';
import { createLedgerActivities } from '../../activities/ledger';
import { withAuditedTwins } from '../../activities/audited';
import { createClockActivities } from '../../activities/clocks';
import { createReviewActivities } from '../../activities/reviews';
import { createRosterActivities } from '../../activities/roster';
import { ContainmentAdapters, createContainmentActivities } from '../../activities/containment';
import type { ContainmentTargets } from '../../core/containment/containment-config';
import { createEmailActivities } from '../../activities/email';
import { createPagerDutyActivities } from '../../activities/pagerduty';
import { createSlackActivities } from '../../activities/slack';
import { WebApiSlack } from '../../activities/slack-web-api';
import type { Alert } from '../../core/alerts/alert';
import type { Policy } from '../../core/policy/policy';
import { LedgerStore } from '../../ledger/store';
import { incident } from '../../workflows/incident';
import { updates } from '../../workflows/messages';
import { createTestDatabase, type TestDatabase } from './database';
import { installTestRuntime } from './runtime';
import { samplePolicy } from './samples';
import { PagerDutyStandIn } from './pagerduty-stand-in';
import { SlackStandIn } from './slack-stand-in';
import { SmtpStandIn } from './smtp-stand-in';
import { registerSearchAttributes } from './temporal';
import { register, startAll, stopWorker, track } from './teardown';
import { todaysWorkflowBundle } from './workflow-bundle';

/** PagerDuty services the test workers know, by the names policies use. */
export const PAGERDUTY_ROUTING_KEYS = { ops: 'R0OPS0000000000000000000000000000', security: 'R0SEC0000000000000000000000000000' };

/**
 * The incident workflow on Temporal's time-skipping test server, with the real activities
 * against the Slack stand-in and PostgreSQL: hours of escalation pass in moments. Call once
 * per test file, at the top level (it registers beforeAll/afterAll).
 */
export function timeSkippingIncidents(
  taskQueue: string,
  setup: {
    containment?: () => ContainmentTargets;
    /** More activities for the worker, made once the environment runs (the heartbeat watches' open incidents through its client). */
    activities?: (env: TestWorkflowEnvironment) => object;
  } = {},
) {
  const h = {
    env: undefined as unknown as TestWorkflowEnvironment,
    ledger: undefined as unknown as LedgerStore,
    slack: new SlackStandIn('xoxb-test-token'),
    pagerduty: new PagerDutyStandIn(),
    smtp: new SmtpStandIn(),
  };
  let bundle: WorkflowBundle;
  let db: TestDatabase;
  let counter = 0;

  // Stopped by the file's teardown (test/support/teardown), failed set-up included.
  beforeAll(async () => {
    installTestRuntime();
    [h.env, bundle, db] = await startAll<[TestWorkflowEnvironment, WorkflowBundle, TestDatabase, void, void, void]>([
      TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: process.env.TEMPORAL_TEST_SERVER_PATH! } } }).then((env) => track(env, (e) => e.teardown())),
      // The worker's own entry (every workflow it runs), as production bundles it.
      todaysWorkflowBundle(),
      createTestDatabase(),
      h.slack.start(),
      h.pagerduty.start(),
      h.smtp.start(),
    ]);
    h.ledger = new LedgerStore(db.pool);
    for (const key of Object.values(PAGERDUTY_ROUTING_KEYS)) h.pagerduty.routingKeys.add(key);
    await registerSearchAttributes(h.env.connection);
  });

  const alertFor = (over: Partial<Alert> = {}): Alert => {
    counter += 1;
    return {
      source: 'generic',
      title: `Customer emails exposed (${counter})`,
      severity: 'SEV2',
      dedupKey: `k${counter}`,
      tenant: 'acme',
      dataCategories: ['personal-data'],
      details: {},
      deliveryId: `delivery-${counter}`,
      receivedAt: new Date().toISOString(),
      ...over,
    };
  };

  const startWorker = (options: Partial<WorkerOptions>, containment: ContainmentAdapters) =>
    Worker.create({
      connection: h.env.nativeConnection,
      taskQueue,
      workflowBundle: bundle,
      // As the worker registers them (worker/worker.ts): a test's own activities are audited too.
      activities: withAuditedTwins({
        ...createSlackActivities(new WebApiSlack(h.slack.token, h.slack.url), 'C0INCIDENTS'),
        ...createLedgerActivities(h.ledger),
        ...createPagerDutyActivities({ routingKeys: PAGERDUTY_ROUTING_KEYS, server: h.pagerduty.host, agent: h.pagerduty.agent }),
        ...createEmailActivities({ smtpUrl: h.smtp.url, from: 'klaxon@example.com', outboxDir: '/nonexistent' }),
        ...createClockActivities(),
        ...createReviewActivities(),
        ...createRosterActivities(h.ledger.db),
        ...createContainmentActivities(containment),
        ...setup.activities?.(h.env),
      }, createLedgerActivities(h.ledger).appendLedgerEvents),
      // As in production (worker/worker.ts): a stuck activity fails the test's stop in seconds instead of stalling it.
      shutdownForceTime: '10 seconds',
      ...options,
    });

  return {
    get env() {
      return h.env;
    },
    get ledger() {
      return h.ledger;
    },
    slack: h.slack,
    pagerduty: h.pagerduty,
    smtp: h.smtp,
    alertFor,
    /** Runs `fn` with a worker on the test server, then stops the worker. */
    async withWorker<T>(fn: () => Promise<T>, options: Partial<WorkerOptions> = {}): Promise<T> {
      const containment = new ContainmentAdapters(setup.containment?.() ?? { tenants: new Map() });
      try {
        const worker = await startWorker(options, containment);
        const run = worker.runUntil(fn());
        // A test that times out leaves runUntil pending and this worker polling: the file's
        // teardown stops it before the server it polls (registered later, stopped first), or it
        // holds the connection the environment must close and polls a dead server for ever.
        register(() => stopWorker(worker, run.catch(() => undefined)));
        return await run;
      } finally {
        await containment.close();
      }
    },
    /**
     * Opens an incident. Its policy owes no post-incident review unless it asks for one
     * (`reviews.required: true`, test/workflow/review.test.ts): a review lives for days after its
     * incident, and one left running after its test's worker stopped stalled the time-skipping
     * server's clock in the next test (seen, not explained: ended between two of its tasks, it still did).
     */
    async startIncident(policy: Policy = samplePolicy, alert: Alert = alertFor()) {
      const incidentId = `inc-${taskQueue}-${counter}`;
      const owes = policy.reviews?.required === true ? policy : { ...policy, reviews: { ...policy.reviews, required: false } };
      const handle = await h.env.client.workflow.start(incident, { taskQueue, workflowId: incidentId, args: [{ incidentId, policy: owes, alert }] });
      return { handle, incidentId, alert };
    },
    /**
     * Ends a test's incident the way incidents end, and waits for its last activities: the
     * time-skipping server does not skip time while an activity of a terminated workflow is
     * still outstanding, which would stall the next test's `env.sleep`.
     */
    async resolveAndFinish(handle: WorkflowHandle<typeof incident>): Promise<void> {
      await handle.executeUpdate(updates.resolve, { args: [{ by: { responder: 'alice', via: 'cli' } }] });
      await handle.result();
    },
    postsFor: (incidentId: string) => h.slack.callsOf('chat.postMessage').filter((c) => JSON.stringify(c.args.blocks).includes(incidentId)),
    /** The kinds the incident wrote, in order; its post-incident review (a workflow of its own, on the same chain, at its own pace) aside. */
    kinds: async (incidentId: string) => (await h.ledger.timeline(incidentId)).map((e) => e.kind).filter((k) => !k.startsWith('review.')),
  };
}

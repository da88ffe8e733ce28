import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker, WorkflowBundle } from '@temporalio/worker';
import { apiDepsFromConfig, createApiServer } from '../../client/api/server';
import { Incidents } from '../../client/incidents';
import { dataConverterFor } from '../../client/payload-codec';
import { loadConfig, type KlaxonConfig } from '../../config/environment';
import { HistoryArchive } from '../../ledger/history-archive';
import { LedgerStore } from '../../ledger/store';
import { SeenDeliveries } from '../../ledger/seen-deliveries';
import { SharedIntakeWindows } from '../../ledger/intake-windows';
import { DatabaseSpikeWindows } from '../../ledger/spike-windows';
import { DEV_SERVER_EXTRA_ARGS } from '../../scripts/dev-server';
import { ContainmentAdapters } from '../../activities/containment';
import { complianceDeps } from '../../client/api/compliance';
import { createKlaxonWorker } from '../../worker/worker';
import { createTestDatabase, type TestDatabase } from './database';
import { installTestRuntime } from './runtime';
import { signKlaxon } from './signing';
import type { PagerDutyStandIn } from './pagerduty-stand-in';
import { SlackStandIn } from './slack-stand-in';
import { closeServer, register, startAll, stopWorker } from './teardown';
import { settlingConnection } from './settling-connection';
import { todaysWorkflowBundle } from './workflow-bundle';

export const WEBHOOK_SECRET = 'whsec_integration';
export const SLACK_SIGNING_SECRET = 'slack-signing-integration';
export const ALERTMANAGER_TOKEN = 'am-token-integration';
export const SENTRY_CLIENT_SECRET = 'sentry-client-secret-integration';
export const VERCEL_SECRET = 'vercel-drain-secret-integration';

/**
 * The real stack for integration tests: a Temporal dev server, PostgreSQL, the worker as
 * production wires it, the API on a free port, and a Slack Web API stand-in.
 */
export interface TestStack {
  env: TestWorkflowEnvironment;
  db: TestDatabase;
  slack: SlackStandIn;
  config: KlaxonConfig;
  incidents: Incidents;
  ledger: LedgerStore;
  apiUrl: string;
  /** The worker polling the stack's task queue now. */
  readonly worker: Worker;
  /**
   * Shuts the running worker down and starts another on the same task queue, as a deploy does:
   * with `workflowBundle`, or with today's workflow code.
   */
  replaceWorker(workflowBundle?: WorkflowBundle): Promise<Worker>;
  stop(): Promise<void>;
}

export interface TestStackOptions {
  /** More `temporal server start-dev` flags, e.g. dynamic configuration. */
  serverArgs?: string[];
  /** Policies from a file instead of KLAXON_RESPONDERS. */
  policyFile?: string;
  /** A PagerDuty stand-in the worker sends to (its certificate trusted) and its routing keys and webhook secrets. */
  pagerduty?: { standIn: PagerDutyStandIn; routingKeys: string; webhookSecrets: string };
  escalationMinutes?: number;
  autoResolve?: boolean;
  /** More configuration, e.g. KLAXON_CONTAINMENT_FILE and the variables its adapters read. */
  env?: Record<string, string>;
  /** Where the API's log lines go (dropped when not given). */
  apiLog?: (line: string) => void;
  /** The worker's workflow code, prebuilt (e.g. a release's, test/support/frozen-bundles.ts); today's when not given. */
  workflowBundle?: WorkflowBundle;
}

export async function startTestStack(options: TestStackOptions = {}): Promise<TestStack> {
  installTestRuntime();
  // Each part's stop is registered as it starts (the file's teardown stops what a failed start left).
  const stops: Array<() => Promise<void>> = [];
  const keep = <T>(thing: T, stop: (t: T) => Promise<unknown>): T => {
    stops.push(register(() => stop(thing)));
    return thing;
  };
  const slack = new SlackStandIn('xoxb-integration');
  const [env, db] = await startAll<[TestWorkflowEnvironment, TestDatabase, void]>([
    TestWorkflowEnvironment.createLocal({
      server: { executable: { type: 'existing-path', path: process.env.TEMPORAL_CLI_PATH! }, extraArgs: [...DEV_SERVER_EXTRA_ARGS, ...(options.serverArgs ?? [])] },
    }).then((e) => keep(e, (x) => x.teardown())),
    createTestDatabase().then((d) => keep(d, (x) => x.drop())),
    slack.start().then(() => void keep(slack, (s) => s.stop())),
  ]);
  const config = loadConfig({
    TEMPORAL_ADDRESS: env.address,
    KLAXON_TASK_QUEUE: 'klaxon-integration',
    SLACK_BOT_TOKEN: slack.token,
    SLACK_API_URL: slack.url,
    KLAXON_SLACK_CHANNEL: 'C0INCIDENTS',
    KLAXON_RESPONDERS: 'alice:U0ALICE:Europe/Berlin,bob:U0BOB:America/New_York',
    KLAXON_ESCALATION_MINUTES: String(options.escalationMinutes ?? 5),
    KLAXON_SOURCES: 'generic,alertmanager,sentry,vercel,nextjs',
    KLAXON_WEBHOOK_SECRET: WEBHOOK_SECRET,
    SLACK_SIGNING_SECRET,
    KLAXON_ALERTMANAGER_TOKEN: ALERTMANAGER_TOKEN,
    SENTRY_CLIENT_SECRET,
    KLAXON_VERCEL_SECRET: VERCEL_SECRET,
    KLAXON_VERCEL_VERIFY: 'vercel-verify-token',
    KLAXON_AUTO_RESOLVE: String(options.autoResolve ?? false),
    KLAXON_RULES_FILE: join(__dirname, '../fixtures/rules.yaml'),
    ...(options.policyFile ? { KLAXON_POLICY_FILE: options.policyFile } : {}),
    ...options.env,
    ...(options.pagerduty
      ? { PAGERDUTY_EVENTS_HOST: options.pagerduty.standIn.host, PAGERDUTY_ROUTING_KEYS: options.pagerduty.routingKeys, PAGERDUTY_WEBHOOK_SECRETS: options.pagerduty.webhookSecrets }
      : {}),
  }, (path) => readFileSync(path, 'utf8'));
  const ledger = new LedgerStore(db.pool);
  const containment = keep(new ContainmentAdapters(config.containment), (c) => c.close());
  // The API's client as production makes it: with the payload codec when keys are configured (env.client has none).
  const dataConverter = dataConverterFor(config);
  // Its own connection, closed only once its calls settle (test/support/settling-connection.ts).
  const own = await settlingConnection(env.address);
  keep(own, (c) => c.close());
  const client = new Client({ connection: own.connection, ...(dataConverter ? { dataConverter } : {}) });
  const incidents = new Incidents(client, config.temporal.taskQueue);
  const startWorker = async (workflowBundle: WorkflowBundle) => {
    // The worker's heartbeat activities open incidents through the same facade, as worker/main.ts's do.
    const worker = await createKlaxonWorker({ connection: env.nativeConnection, config, ledger, workflowBundle, pagerDutyAgent: options.pagerduty?.standIn.agent, containment, incidents, archive: { client: env.client, store: new HistoryArchive(db.pool) } });
    const done = worker.run();
    const stop = register(() => stopWorker(worker, done));
    stops.push(stop);
    return { worker, stop };
  };
  let running = await startWorker(options.workflowBundle ?? (await todaysWorkflowBundle()));
  const api: Server = keep(
    // As the production API (client/api/main.ts): replay memory, spike and intake windows in the database.
    createApiServer({ ...apiDepsFromConfig(config, incidents, complianceDeps(db.pool, client), new SeenDeliveries(db.pool), new DatabaseSpikeWindows(db.pool)), intakeWindows: new SharedIntakeWindows(db.pool), log: options.apiLog ?? (() => undefined) }),
    closeServer,
  );
  api.listen(0, '127.0.0.1');
  await once(api, 'listening');
  return {
    env,
    db,
    slack,
    config,
    incidents,
    ledger,
    apiUrl: `http://127.0.0.1:${(api.address() as AddressInfo).port}`,
    get worker() {
      return running.worker;
    },
    async replaceWorker(workflowBundle?: WorkflowBundle) {
      // Bundled before the old worker stops: a deploy's new worker is built before the old one goes.
      const bundle = workflowBundle ?? (await todaysWorkflowBundle());
      await running.stop();
      running = await startWorker(bundle);
      return running.worker;
    },
    /** Stops the API, the worker, Temporal, the database and Slack, newest first (once). */
    async stop() {
      for (const stop of [...stops].reverse()) await stop();
    },
  };
}

/** The environment of an API process (`client/api/main.ts`) beside the stack, on `port`, configured as production configures it. */
export function apiProcessEnv(stack: TestStack, port: number, more: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    PORT: String(port),
    TEMPORAL_ADDRESS: stack.env.address,
    KLAXON_TASK_QUEUE: stack.config.temporal.taskQueue,
    KLAXON_WEBHOOK_SECRET: WEBHOOK_SECRET,
    KLAXON_RESPONDERS: 'alice:U0ALICE:Europe/Berlin,bob:U0BOB:America/New_York',
    ...more,
  };
}

/** POSTs a generic alert, signed correctly unless other headers are given. */
export async function postAlert(
  apiUrl: string,
  body: string,
  headers: Record<string, string> = { 'klaxon-signature': signKlaxon(WEBHOOK_SECRET, body) },
  source = 'generic',
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${apiUrl}/v1/alerts/${source}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

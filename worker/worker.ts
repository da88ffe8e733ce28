import type { Agent } from 'node:https';
import type { Client } from '@temporalio/client';
import { NativeConnection, Worker, type WorkflowBundle } from '@temporalio/worker';
import { allChannelActivities } from '../activities/channels';
import { createClockActivities } from '../activities/clocks';
import { createReviewActivities } from '../activities/reviews';
import { createContainmentActivities, type ContainmentAdapters } from '../activities/containment';
import { createLedgerActivities } from '../activities/ledger';
import { withAuditedTwins } from '../activities/audited';
import { createRosterActivities } from '../activities/roster';
import type { KlaxonConfig } from '../config/environment';
import type { LedgerStore } from '../ledger/store';
import type { HistoryArchive } from '../ledger/history-archive';
import { historyArchiveActivities } from './history-archiver';
import { coverageCheckActivities } from './coverage-check';
import { handoffActivities } from './handoff-notices';
import { slackTransportFor } from '../activities/slack';
import { OnCallOverrides } from '../ledger/oncall-overrides';
import { MaintenanceWindows } from '../ledger/maintenance-windows';
import { createMaintenanceActivities } from '../activities/maintenance';
import { policiesOfTenant } from '../core/policy/routing';
import { heartbeatActivities } from './heartbeat-incidents';
import { drillStarterActivities } from './drill-starter';
import type { Incidents } from '../client/incidents';
import { dataConverterFor } from '../client/payload-codec';
import { tracingWorkerOptions } from '../telemetry/tracing';
import { sharedModulesBundlerOptions } from './shared-workflow-modules';

export interface WorkerDeps {
  connection: NativeConnection;
  config: KlaxonConfig;
  ledger: LedgerStore;
  /** A prebuilt bundle (tests build one per run: test/support/workflow-bundle.ts); otherwise the workflows are bundled at start. */
  workflowBundle?: WorkflowBundle;
  /** TLS for the PagerDuty Events API; the system's trusted authorities when absent (tests trust their stand-in). */
  pagerDutyAgent?: Agent;
  /** The tenants' containment adapters (from config.containment); the caller closes them after the worker stops. */
  containment: ContainmentAdapters;
  /** The history archive the scheduled sweep writes to (worker/history-archiver.ts), over a client of its own; tests without it run no sweep. */
  archive?: { client: Client; store: HistoryArchive };
  /** What the heartbeat monitors' watches open and resolve incidents through (worker/heartbeat-incidents.ts). */
  incidents: Incidents;
}

export async function createKlaxonWorker(deps: WorkerDeps): Promise<Worker> {
  const { config } = deps;
  return Worker.create({
    connection: deps.connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    // With tracing on: spans for workflow tasks and activities, continuing the trace the client started.
    ...tracingWorkerOptions(),
    // The same codec as the API's and the CLI's: the worker reads what they encrypted.
    dataConverter: dataConverterFor(config),
    // Bundled at start, luxon and the domain shared by every incident (worker/shared-workflow-modules.ts).
    ...(deps.workflowBundle ? { workflowBundle: deps.workflowBundle } : { workflowsPath: require.resolve('../workflows/registered'), bundlerOptions: sharedModulesBundlerOptions() }),
    // The steps that audit themselves (activities/audited.ts) get their twins over the ledger.
    activities: withAuditedTwins({
      // Every channel's (core/channels/channels.ts), then the rest.
      ...allChannelActivities({ config, agent: deps.pagerDutyAgent }),
      ...createLedgerActivities(deps.ledger),
      ...createClockActivities(),
      ...createReviewActivities(),
      ...createRosterActivities(deps.ledger.db),
      ...createContainmentActivities(deps.containment),
      ...heartbeatActivities(deps.incidents, config.policies),
      ...drillStarterActivities(deps.incidents, config.policies),
      ...(deps.archive ? historyArchiveActivities(deps.archive.client, deps.archive.store, deps.ledger) : {}),
      // The daily coverage check (worker/coverage-check.ts), over the policies as this worker read them.
      ...coverageCheckActivities({ policies: () => config.policies.policies, overrides: new OnCallOverrides(deps.ledger.db), ledger: deps.ledger, slack: slackTransportFor(config), channel: config.slack.channel }),
      // Hand-off notices (worker/handoff-notices.ts) for the schedules that ask for them.
      // Maintenance windows' end (activities/maintenance.ts): the summary goes to the channel of the policy the tenant's alerts route to.
      ...createMaintenanceActivities({ windows: new MaintenanceWindows(deps.ledger), ledger: deps.ledger, slack: slackTransportFor(config), channelFor: (tenant) => policyChannel(config, tenant) }),
      ...handoffActivities({ policies: () => config.policies.policies, overrides: new OnCallOverrides(deps.ledger.db), incidents: deps.incidents, ledger: deps.ledger, slack: slackTransportFor(config) }),
    }, createLedgerActivities(deps.ledger).appendLedgerEvents),
    // Each cached incident costs about 1 MB (the SDK's notes on maxCachedWorkflows, from its
    // reference test): sized explicitly, not left to the default the SDK derives from the heap limit.
    maxCachedWorkflows: 1000,
    // A stop (Ctrl-C, SIGTERM) must not wait on a stuck activity (a Slack call that never
    // answers): activities get 2 s to finish, are then cancelled, and after 5 s the worker
    // stops regardless. Temporal retries what was in flight once its timeout passes.
    shutdownGraceTime: '2 seconds',
    shutdownForceTime: '5 seconds',
  });
}

/** The Slack channel of the first policy a tenant's alerts route to, else the incidents channel. */
function policyChannel(config: KlaxonConfig, tenant: string): string {
  const [name] = policiesOfTenant(config.policies, tenant);
  return config.policies.policies.find((p) => p.name === name)?.slackChannel ?? config.slack.channel;
}

import { randomUUID } from 'node:crypto';
import { Client, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure, WorkflowNotFoundError, type QueryDefinition, type UpdateDefinition } from '@temporalio/common';
import { encodeToPayload } from '@temporalio/common/lib/internal-non-workflow';
import { encodeUnifiedSearchAttributes } from '@temporalio/common/lib/converter/payload-search-attributes';
import { temporal } from '@temporalio/proto';
import type { ClocksView } from '../core/regulation/clock-view';
import type { Alert } from '../core/alerts/alert';
import { capDetails } from '../core/alerts/alert-details';
import { batchAlerts, type AlertBatch } from '../core/alerts/alert-batch';
import { checkUpdateText, redactUpdateText } from '../core/shared/free-text';
import { incidentIdFor } from '../core/incident/incident-id';
import type { SourceResolution } from '../core/sources/source';
import type { UnredactedAlert } from '../core/alerts/unredacted-alert';
import { staleResolution } from '../core/alerts/stale-resolution';
import type { IncidentState, ResponderRef } from '../core/incident/incident';
import type { Policy } from '../core/policy/policy';
import type { IncidentInput } from '../workflows/incident';
import { queries, signals, updates, type QueryArgs, type QueryName, type QueryResult, type UpdateArg, type UpdateName, type UpdateResult } from '../workflows/messages';
import { SEARCH_ATTRIBUTES, stateAttributes } from '../workflows/search-attributes';
import { Incident } from '../core/incident/incident';
import { REMEMBERED_DELIVERIES } from '../core/incident/incident-alerts';
import { DRILL_WORKFLOW_TYPE, type DrillFacts } from '../core/drills/drill';
import { INCIDENT_WORKFLOW_TYPE, visibilityQuery, type IncidentFilter } from './incident-filter';
import { heartbeatWorkflowId, type HeartbeatMonitor } from '../core/heartbeats/heartbeat-monitor';
import { HEARTBEAT_WORKFLOW_TYPE, heartbeatMessages, type HeartbeatInput } from '../workflows/heartbeat';
import { activeTraceparent, continuingTrace, tracingOn, withTemporalCallSpan } from '../telemetry/tracing';

export interface IncidentsOptions {
  /**
   * The client's connection is the NativeConnection of a worker polling the task queue in this
   * process (the embedded stack): a new incident is started with eager workflow start, its first
   * workflow task handed straight to that worker instead of waiting in the task queue (31 ms at
   * p50 on the dev server, BENCHMARKS.md, Latency). An API apart from its workers gains nothing by it.
   */
  eagerStart?: boolean;
}

type StartRequest = Awaited<ReturnType<Incidents['startRequest']>>;

/** gRPC's ALREADY_EXISTS, which a start answers for an incident that is open. */
const GRPC_ALREADY_EXISTS = 6;

/** The memo field where an incident keeps the W3C traceparent of the request that opened it. */
const TRACEPARENT_MEMO = 'traceparent';

/** The incident does not exist (or Temporal no longer keeps it). */
export class IncidentNotFoundError extends Error {
  override readonly name = 'IncidentNotFoundError';
}
/** The incident has ended (resolved and closed): it takes no more actions. */
export class IncidentClosedError extends Error {
  override readonly name = 'IncidentClosedError';
}
/** The incident refused the request (unknown responder, already resolved…); nothing was recorded. */
export class IncidentRejectedError extends Error {
  override readonly name = 'IncidentRejectedError';
}

export interface IncidentSummary {
  incidentId: string;
  status: string;
  severity?: string;
  tenant?: string;
  dataCategories: string[];
  jurisdictions: string[];
  /** The nearest deadline of its open legal clocks. */
  nextDeadline?: string;
  openedAt: string;
  closedAt?: string;
}

/**
 * Everything outside the worker does to incidents goes through here: open (or join) from an
 * alert, acknowledge, resolve, read state, list.
 */
export class Incidents {
  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
    private readonly options: IncidentsOptions = {},
  ) {}

  /**
   * Signal-with-start of a batch of alerts that share one incident key: atomic, durable once
   * it returns, and it works while no worker runs. Called on the raw service because the
   * SDK's `signalWithStart` hides `started`, which the sender's answer (`deduplicated`) needs;
   * the payloads go through the client's data converter, its payload codec included, as the
   * SDK's own calls do. `unredacted`: the alerts as sent, when the policy keeps them.
   * With `eagerStart`, a lone alert first tries an eager start; when its incident is open that
   * start fails (nothing is written) and the alert is signalled: one more round trip for an
   * alert that joins, none for the page of one that opens. Nothing remembers which keys are
   * open: a key whose incident closed since would be signalled, and its new run paged the slow way.
   * `eagerly`: the server handed the new incident's first workflow task to this process's worker.
   */
  async open(alerts: Alert[], policy: Policy, unredacted: UnredactedAlert[] = []): Promise<{ incidentId: string; started: boolean; eagerly: boolean }> {
    const incidentId = incidentIdFor(alerts[0]);
    const input: IncidentInput = { incidentId, policy, alert: capDetails(alerts[0]) };
    // One alert, nothing kept as sent: the first signal would carry only what the input does
    // (the incident counts the first alert's delivery once), so a start alone opens the same incident.
    // Built once: an alert refused by the eager start is signalled with the same start.
    const start = await this.startRequest(INCIDENT_WORKFLOW_TYPE, input);
    if (this.options.eagerStart && alerts.length === 1 && unredacted.length === 0) {
      const eager = await this.startEagerly(INCIDENT_WORKFLOW_TYPE, start);
      if (eager.started) return { incidentId, ...eager };
    }
    const batch: AlertBatch = { ...batchAlerts(alerts), ...(unredacted.length ? { unredacted } : {}) };
    const started = await this.signalWithStart(INCIDENT_WORKFLOW_TYPE, start, batch);
    return { incidentId, started, eagerly: false };
  }

  /**
   * Starts a drill (client/drills.ts): the same signal-with-start as an alert's, of the `drill`
   * workflow type under the drill's own id, its alert the first batch. A drill id is never
   * reused: `started` is false only for a retried request.
   */
  async openDrill(input: IncidentInput & { drill: DrillFacts }): Promise<{ drillId: string; started: boolean }> {
    const started = await this.signalWithStart(DRILL_WORKFLOW_TYPE, await this.startRequest(DRILL_WORKFLOW_TYPE, input), batchAlerts([input.alert]));
    return { drillId: input.incidentId, started };
  }

  /**
   * Called on the raw service because the SDK's `signalWithStart` hides `started`; the payloads
   * go through the client's data converter, its payload codec included, as the SDK's own calls do.
   */
  private async signalWithStart(workflowType: string, start: StartRequest, batch: AlertBatch): Promise<boolean> {
    const { WorkflowIdConflictPolicy } = temporal.api.enums.v1;
    const signalPayload = await encodeToPayload(this.client.options.loadedDataConverter, batch);
    const response = await withTemporalCallSpan(`SignalWithStartWorkflow:${workflowType}`, async (header) => this.client.workflowService.signalWithStartWorkflowExecution({
      ...(header ? { header } : {}),
      ...start,
      requestId: randomUUID(),
      signalName: signals.alerts.name,
      signalInput: { payloads: [signalPayload] },
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
    }));
    return Boolean(response.started);
  }

  /**
   * Starts a new incident eagerly (IncidentsOptions.eagerStart): the server answers the start
   * with its first workflow task, which the worker on this connection runs at once, so the first
   * page skips the task queue. Not started, with nothing changed, when the key's incident is
   * open: its alert is then signalled. Where the worker has no free slot, the server declines and
   * the task goes by the queue (`eagerly` false).
   */
  private async startEagerly(workflowType: string, start: StartRequest): Promise<{ started: boolean; eagerly: boolean }> {
    const { WorkflowIdConflictPolicy } = temporal.api.enums.v1;
    // Inside the span: an incident found open is an answer, not a failed call.
    return await withTemporalCallSpan(`StartWorkflow:${workflowType}`, async (header) => {
      try {
        const response = await this.client.workflowService.startWorkflowExecution({
          ...(header ? { header } : {}),
          ...start,
          requestId: randomUUID(),
          workflowIdConflictPolicy: WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
          requestEagerExecution: true,
        });
        // `response.started` is false only for a retry of this very request (the same requestId):
        // the run it answers is this start's own, so it counts as started either way.
        return { started: true, eagerly: Boolean(response.eagerWorkflowTask) };
      } catch (err) {
        if ((err as { code?: unknown }).code === GRPC_ALREADY_EXISTS) return { started: false, eagerly: false };
        throw err;
      }
    });
  }

  /** What every start of an incident carries, however it is started (each call adds its own requestId). */
  private async startRequest(workflowType: string, input: IncidentInput) {
    const converter = this.client.options.loadedDataConverter;
    const { WorkflowIdReusePolicy, TaskQueueKind } = temporal.api.enums.v1;
    // With tracing on, the incident keeps the trace it opened in (its memo), for the changes that follow.
    const traceparent = activeTraceparent();
    const searchAttributes = startAttributes(input);
    return {
      ...(traceparent ? { memo: { fields: { [TRACEPARENT_MEMO]: await encodeToPayload(converter, traceparent) } } } : {}),
      namespace: this.client.options.namespace,
      identity: this.client.options.identity,
      workflowId: input.incidentId,
      workflowType: { name: workflowType },
      taskQueue: { name: this.taskQueue, kind: TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
      input: { payloads: [await encodeToPayload(converter, input)] },
      ...(searchAttributes ? { searchAttributes: { indexedFields: searchAttributes } } : {}),
      // After an incident is resolved the same key opens a new one, as PagerDuty does.
      workflowIdReusePolicy: WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
    };
  }

  /**
   * A beat of a heartbeat monitor: signal-with-start of its watch (workflows/heartbeat.ts), so the
   * first beat starts it and a watch that ended (its monitor was removed, then declared again)
   * starts afresh. Durable once it returns. The watch opens and resolves the monitor's incidents.
   */
  async heartbeat(monitor: HeartbeatMonitor): Promise<void> {
    await this.client.workflow.signalWithStart(HEARTBEAT_WORKFLOW_TYPE, {
      workflowId: heartbeatWorkflowId(monitor),
      taskQueue: this.taskQueue,
      args: [{ monitor } satisfies HeartbeatInput],
      signal: heartbeatMessages.beat,
      signalArgs: [{ monitor }],
    });
  }

  /**
   * Passes a source's "resolved" to the open incident of its key. There may be none (never
   * opened, or already closed), or the resolution may have ended before the open one opened (it
   * is about an earlier run): then nothing happens, and `matched` and `reason` say so. The
   * workflow checks the time again (core/alerts/stale-resolution.ts), so a run that opens meanwhile
   * is not resolved either.
   */
  async recordResolution(resolution: SourceResolution): Promise<{ incidentId: string; matched: boolean; reason?: string }> {
    const incidentId = incidentIdFor(resolution);
    const unmatched = (reason: string) => ({ incidentId, matched: false, reason });
    try {
      const run = await this.currentRun(incidentId);
      if (!run.open) return unmatched('the incident is closed');
      const stale = staleResolution(resolution.resolvedAt, run.openedAt.toISOString());
      if (stale) return unmatched(stale);
      await this.client.workflow.getHandle(incidentId).signal(signals.sourceResolved, resolution);
      return { incidentId, matched: true };
    } catch (err) {
      if (err instanceof IncidentNotFoundError || err instanceof WorkflowNotFoundError) return unmatched('no incident of this key is open');
      throw err;
    }
  }

  /**
   * Sends a change (an Update of the catalogue, workflows/messages.ts) to the incident, and
   * answers what the workflow answered. Its text is checked (TextFieldError names the field)
   * and its free text redacted before it leaves for Temporal, whichever way it came (Slack,
   * CLI, REST). With `runId`, only that run takes it: a later run of the same id refuses it
   * as closed (a Slack button pressed on an old incident's message).
   */
  async change<N extends UpdateName>(name: N, incidentId: string, arg: UpdateArg<N>, runId?: string): Promise<UpdateResult<N>> {
    checkUpdateText(arg);
    try {
      const update = updates[name] as UpdateDefinition<UpdateResult<N>, [UpdateArg<N>]>;
      const handle = this.client.workflow.getHandle(incidentId, runId);
      // With tracing on, the change joins the trace its incident opened in (one more read of Temporal).
      const traceparent = tracingOn() ? ((await handle.describe()).memo?.[TRACEPARENT_MEMO] as string | undefined) : undefined;
      return await continuingTrace(traceparent, `Change:${name}`, () => handle.executeUpdate(update, { args: [redactUpdateText(arg)] }));
    } catch (err) {
      throw translate(err, incidentId);
    }
  }

  /**
   * The incident's latest run: an id opens a new run once the last was resolved, so what
   * happened before `openedAt` was about an earlier run. A run continued-as-new is the same
   * incident: it opened when the first run of its chain started (the latest run's start when
   * Temporal no longer keeps the first, which refuses more, never less).
   */
  async currentRun(incidentId: string): Promise<{ runId: string; openedAt: Date; open: boolean }> {
    try {
      const d = await this.client.workflow.getHandle(incidentId).describe();
      const first = d.raw.workflowExecutionInfo?.firstRunId;
      const chainStart = first && first !== d.runId ? await this.client.workflow.getHandle(incidentId, first).describe().then((f) => f.startTime, () => d.startTime) : d.startTime;
      return { runId: d.runId, openedAt: chainStart, open: d.status.name === 'RUNNING' };
    } catch (err) {
      throw translate(err, incidentId);
    }
  }

  /** The incident's legal clocks, every instant also in `zone`. */
  async clocks(incidentId: string, zone: string): Promise<ClocksView> {
    return await this.read('clocks', incidentId, zone);
  }

  /** The responder of the incident's policy that `ref` names, if any. */
  async responderOf(incidentId: string, ref: ResponderRef): Promise<string | undefined> {
    return (await this.read('responder', incidentId, ref)) ?? undefined;
  }

  /** The incident's state as its workflow answers it (also after it closed, while Temporal keeps it). */
  async state(incidentId: string): Promise<IncidentState> {
    return await this.read('state', incidentId);
  }

  /**
   * The incident's alerts as sent, when its policy keeps them (empty otherwise). Readable only
   * by a client holding the payload key: the answer travels, like the state, encrypted.
   */
  async unredactedAlerts(incidentId: string): Promise<UnredactedAlert[]> {
    return await this.read('unredactedAlerts', incidentId);
  }

  /** Answers when Temporal's frontend does, within `timeoutMs` (for readiness checks). */
  async ping(timeoutMs: number): Promise<void> {
    await this.client.withDeadline(Date.now() + timeoutMs, () => this.client.workflowService.getSystemInfo({}));
  }

  /** How many incidents match `filter`, counted by Temporal visibility (no listing). */
  async count(filter: IncidentFilter): Promise<number> {
    return (await this.client.workflow.count(visibilityQuery(filter))).count;
  }

  /** Incidents matching `filter`, newest first, through Temporal visibility (FilterError for a bad value). */
  async list(filter: IncidentFilter = {}, limit = 100): Promise<IncidentSummary[]> {
    const query = visibilityQuery(filter);
    const out: IncidentSummary[] = [];
    // Pages of `limit` at most: the server's default page (1,000) would be fetched and decoded whole to keep 100.
    for await (const wf of this.client.workflow.list({ query, pageSize: Math.min(limit, 1000) })) {
      const sa = wf.typedSearchAttributes;
      out.push({
        incidentId: wf.workflowId,
        status: sa.get(SEARCH_ATTRIBUTES.status) ?? wf.status.name.toLowerCase(),
        severity: sa.get(SEARCH_ATTRIBUTES.severity),
        tenant: sa.get(SEARCH_ATTRIBUTES.tenant),
        dataCategories: sa.get(SEARCH_ATTRIBUTES.dataCategories) ?? [],
        jurisdictions: sa.get(SEARCH_ATTRIBUTES.jurisdictions) ?? [],
        nextDeadline: sa.get(SEARCH_ATTRIBUTES.nextDeadline)?.toISOString(),
        openedAt: wf.startTime.toISOString(),
        closedAt: wf.closeTime?.toISOString(),
      });
      if (out.length >= limit) break;
    }
    return out;
  }

  private async read<N extends QueryName>(name: N, incidentId: string, ...args: QueryArgs<N>): Promise<QueryResult<N>> {
    try {
      return await this.client.workflow.getHandle(incidentId).query(queries[name] as QueryDefinition<QueryResult<N>, QueryArgs<N>>, ...args);
    } catch (err) {
      throw translate(err, incidentId);
    }
  }
}

/** Maps Temporal's errors to those callers answer differently: unknown, closed, refused (`subject`: what the id names, in the message). */
export function translate(err: unknown, incidentId: string, subject = `incident ${incidentId}`): unknown {
  const message = (err as Error).message ?? '';
  if (/workflow execution already completed/i.test(message)) return new IncidentClosedError(`${subject} is closed`);
  if (err instanceof WorkflowNotFoundError) return new IncidentNotFoundError(`${subject} was not found`);
  if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure && err.cause.type === 'IncidentRuleError') {
    return new IncidentRejectedError(err.cause.message);
  }
  return err;
}

/**
 * The list attributes (status, severity, tenant, data, jurisdictions) of the incident `input`
 * opens, given with its start: Temporal bills an upsert, not the start's attributes, and the
 * workflow upserts only when these are not what it computes itself (workflows/incident.ts).
 * Computed by the same core as the workflow's; an alert it cannot open is left to the workflow.
 */
function startAttributes(input: IncidentInput): ReturnType<typeof encodeUnifiedSearchAttributes> | undefined {
  try {
    const state = Incident.open(input.incidentId, input.policy, input.alert, new Date().toISOString(), REMEMBERED_DELIVERIES, input.drill).snapshot();
    return encodeUnifiedSearchAttributes(undefined, stateAttributes(state));
  } catch {
    return undefined;
  }
}

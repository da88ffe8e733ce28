import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { DrillError, startDrill } from '../client/drills';
import type { Incidents } from '../client/incidents';
import { parseScenario, ScenarioError } from '../core/drills/scenario';
import type { PolicyBook } from '../core/policy/routing';
import type { DrillStarterActivities } from '../workflows/scheduled-drill';

/** Open drills of a tenant looked at, at most: a schedule's own are a few. */
const MAX_OPEN_LOOKED_AT = 200;

/**
 * The drill this schedule started that is still open, if any: the schedule's overlap rule covers
 * only its own short run, and a new drill while the last is unresolved would page people twice.
 * A drill that does not answer its query (it just closed) is not open.
 */
async function openDrillOf(incidents: Incidents, scheduleId: string, tenant: string): Promise<string | undefined> {
  for (const row of await incidents.list({ drills: true, openOnly: true, tenants: [tenant] }, MAX_OPEN_LOOKED_AT)) {
    const state = await incidents.state(row.incidentId).catch(() => undefined);
    if (state?.drill?.scheduleId === scheduleId && state.status !== 'resolved') return row.incidentId;
  }
  return undefined;
}

/**
 * The activity a drill schedule's workflow (workflows/scheduled-drill.ts) runs: the scenario,
 * checked when the schedule was made, is parsed again (what fires is what the parser of today
 * accepts), and the drill starts through `startDrill` under the worker's policies, as
 * `schedule:<id>`, unless the drill it started last is still open (then that one's id,
 * `stillOpen`). A scenario or policy that no longer holds fails at once, without retry
 * (retrying would not mend it), and pauses the schedule with the reason.
 */
export function drillStarterActivities(incidents: Incidents, book: PolicyBook): DrillStarterActivities {
  return {
    async startScheduledDrill({ scheduleId, policy, scenario, scenarioFile }) {
      try {
        const parsed = parseScenario(scenario, scenarioFile);
        const open = await openDrillOf(incidents, scheduleId, parsed.tenant);
        if (open) return { drillId: open, stillOpen: true };
        // Every attempt of one firing (one run of the schedule's workflow) starts the same drill,
        // at the first attempt's time: an attempt whose answer was lost is not a second drill.
        const { workflowExecution, scheduledTimestampMs } = Context.current().info;
        const firing = workflowExecution ? { startKey: `${workflowExecution.workflowId}/${workflowExecution.runId}`, now: new Date(scheduledTimestampMs) } : {};
        const { drillId } = await startDrill({ incidents, book }, { policy, scenario: parsed, startedBy: `schedule:${scheduleId}`, scheduleId, ...firing });
        return { drillId };
      } catch (err) {
        if (!(err instanceof ScenarioError || err instanceof DrillError)) throw err;
        // Every later firing would fail alike, each quarter, unseen: the schedule is paused with
        // the reason, which `klaxon drill schedules` shows, until someone mends it and unpauses.
        await Context.current().client.schedule.getHandle(scheduleId).pause(`drill not started: ${err.message}`.slice(0, 1000));
        throw ApplicationFailure.nonRetryable(err.message, err.name);
      }
    },
  };
}

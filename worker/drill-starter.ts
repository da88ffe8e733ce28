import { ApplicationFailure } from '@temporalio/common';
import { DrillError, startDrill } from '../client/drills';
import type { Incidents } from '../client/incidents';
import { parseScenario, ScenarioError } from '../core/drills/scenario';
import type { PolicyBook } from '../core/policy/routing';
import type { DrillStarterActivities } from '../workflows/scheduled-drill';

/**
 * The activity a drill schedule's workflow (workflows/scheduled-drill.ts) runs: the scenario,
 * checked when the schedule was made, is parsed again (what fires is what the parser of today
 * accepts), and the drill starts through `startDrill` under the worker's policies, as
 * `schedule:<id>`. A scenario or policy that no longer holds fails at once, without retry, with
 * the reason in the schedule's recent actions: retrying would not mend it.
 */
export function drillStarterActivities(incidents: Incidents, book: PolicyBook): DrillStarterActivities {
  return {
    async startScheduledDrill({ scheduleId, policy, scenario, scenarioFile }) {
      try {
        const parsed = parseScenario(scenario, scenarioFile);
        const { drillId } = await startDrill({ incidents, book }, { policy, scenario: parsed, startedBy: `schedule:${scheduleId}`, scheduleId });
        return { drillId };
      } catch (err) {
        if (err instanceof ScenarioError || err instanceof DrillError) throw ApplicationFailure.nonRetryable(err.message, err.name);
        throw err;
      }
    },
  };
}

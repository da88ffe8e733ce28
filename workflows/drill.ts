import type { IncidentState } from '../core/incident/incident';
import type { DrillFacts } from '../core/drills/drill';
import { incident, type IncidentInput } from './incident';

/** A drill's input: an incident's, with the drill's facts (client/drills.ts builds it). */
export type DrillInput = IncidentInput & { drill: DrillFacts };

/**
 * A drill: the very incident code, run under the workflow type `drill` so that incident lists,
 * gauges and period reports (which ask Temporal for `WorkflowType = 'incident'`) never see it.
 * What differs (marks, injects, dry-run containment, clocks from the scenario's awareness) is
 * decided inside by `input.drill`.
 */
export async function drill(input: DrillInput): Promise<IncidentState> {
  return await incident(input);
}

import { proxyActivities } from '@temporalio/workflow';

/** What a drill schedule's action carries: the schedule, the policy and the scenario's YAML as it was checked at creation. */
export interface ScheduledDrillInput {
  scheduleId: string;
  policy: string;
  /** The scenario file's text, parsed again when the schedule fires (the parser may have grown stricter since). */
  scenario: string;
  /** The scenario's file name, which its errors cite. */
  scenarioFile: string;
}

/** The worker's drill starter (worker/drill-starter.ts). */
export interface DrillStarterActivities {
  /** Starts the drill through `startDrill` as `schedule:<scheduleId>`; a bad scenario or an unknown policy fails without retry. */
  startScheduledDrill(input: ScheduledDrillInput): Promise<{ drillId: string }>;
}

const { startScheduledDrill } = proxyActivities<DrillStarterActivities>({
  startToCloseTimeout: '1 minute',
  // Few attempts: a retry after a start whose answer was lost would start a second drill.
  retry: { initialInterval: '5 seconds', maximumInterval: '1 minute', maximumAttempts: 3 },
});

/**
 * What a drill schedule's Temporal Schedule starts each time it fires (client/drill-schedules.ts):
 * one activity that starts the drill, whose id it returns. The drill itself is its own workflow
 * (`drill`), which outlives this one; a schedule never waits on a drill.
 */
export async function scheduledDrill(input: ScheduledDrillInput): Promise<{ drillId: string }> {
  return await startScheduledDrill(input);
}

import { allHandlersFinished, condition, defineQuery, defineUpdate, proxyActivities, setHandler } from '@temporalio/workflow';
import type { Actor } from '../core/incident/actor';

/** What the window's workflow is started with (client/maintenance.ts). */
export interface MaintenanceWorkflowInput {
  id: string;
  tenant: string;
  /** When the window ends by itself (UTC ISO); null: open-ended, it ends only by `end`. */
  until: string | null;
}

/** How a window ended: the activity's answer, the workflow's result, and what `end` returns. */
export interface MaintenanceEnded {
  id: string;
  endedAt: string;
  endedBy: string;
  expired: boolean;
  held: number;
  bypassed: number;
  /** Where the summary went, or why it did not. */
  summary: { channel: string } | { failed: string } | { none: string };
}

/** The worker's side (activities/maintenance.ts). */
export interface MaintenanceActivities {
  /** Marks the window ended (once), posts its summary to the policy's channel (once) and records `maintenance.ended` (once). */
  endMaintenance(input: { id: string; actor: Actor; at: string; expired: boolean }): Promise<MaintenanceEnded>;
}

/**
 * `end` is an Update, not a Signal: the person ending a window (`klaxon maintenance end`) is
 * told it ended, what it held and where the summary went, and a bad argument is refused to
 * them instead of sitting in the history.
 */
export const endMaintenanceUpdate = defineUpdate<MaintenanceEnded, [{ actor: Actor }]>('end');
/** Whether an end was asked for yet, for the API (a window's state is in the database; this is the timer's side). */
export const maintenanceStateQuery = defineQuery<{ until: string | null; ending: boolean }>('state');

/**
 * Retried without a limit: the end is idempotent, and giving up would fail the workflow with
 * the window not ended in the database, so an open-ended window would hold its alerts for ever
 * (and `end` then finds its workflow closed: 409), a timed one would leave no summary and no
 * `maintenance.ended`. A database away for an hour only delays the end. (The summary's post
 * gives up on its own after a few attempts, activities/maintenance.ts.)
 */
const { endMaintenance } = proxyActivities<MaintenanceActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '5 seconds', maximumInterval: '2 minutes' },
});

/**
 * One per window (`maintenance-<id>`): a durable timer to `until` (none when open-ended) or the
 * `end` Update, whichever comes first, then the end's activity. A worker restart, a deploy or a
 * day of downtime does not lose the end: the timer is Temporal's, not a process's.
 */
export async function maintenanceWindow(input: MaintenanceWorkflowInput): Promise<MaintenanceEnded> {
  let asked: { actor: Actor; at: string } | undefined;
  let ended: MaintenanceEnded | undefined;
  setHandler(
    endMaintenanceUpdate,
    async ({ actor }) => {
      asked ??= { actor, at: new Date().toISOString() };
      await condition(() => ended !== undefined);
      return ended!;
    },
    {
      validator: (arg) => {
        const name = (arg as { actor?: { name?: unknown } } | undefined)?.actor?.name;
        if (typeof name !== 'string' || name.length === 0 || name.length > 200) throw new Error('end needs who ends the window (actor.name)');
      },
    },
  );
  setHandler(maintenanceStateQuery, () => ({ until: input.until, ending: asked !== undefined }));
  if (input.until === null) await condition(() => asked !== undefined);
  else await condition(() => asked !== undefined, Math.max(1, Date.parse(input.until) - Date.now()));
  ended = await endMaintenance(
    asked
      ? { id: input.id, actor: asked.actor, at: asked.at, expired: false }
      : { id: input.id, actor: { type: 'system', name: 'klaxon-maintenance' }, at: input.until!, expired: true },
  );
  await condition(allHandlersFinished);
  return ended;
}

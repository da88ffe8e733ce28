import { ScheduleAlreadyRunning, ScheduleNotFoundError, ScheduleOverlapPolicy, type Client, type ScheduleDescription, type ScheduleSummary } from '@temporalio/client';
import { checkCron, checkScheduleName, checkTimeZone, DRILL_SCHEDULE_PREFIX, drillScheduleId, DrillScheduleError, scheduleNameOf } from '../core/drills/drill-schedule';
import { parseScenario } from '../core/drills/scenario';
import type { PolicyBook } from '../core/policy/routing';
import type { ScheduledDrillInput } from '../workflows/scheduled-drill';
import { forbiddenDrill } from './drills';

/**
 * Scheduled drills: one Temporal Schedule per drill schedule (id `drill-schedule-<name>`), whose
 * action starts the workflow `scheduledDrill` with the policy and the scenario's YAML as its
 * argument; the worker's activity starts the drill (worker/drill-starter.ts). So quarterly
 * testing happens without anyone remembering it, on whichever worker is up, and a worker down at
 * the hour does not skip it (Temporal catches up within a day).
 */

export interface DrillScheduleRequest {
  /** Default: the scenario's name. */
  name?: string;
  policy: string;
  cron: string;
  timeZone?: string;
  /** The scenario's YAML. */
  scenario: string;
  /** Its file name, which errors cite (default `scenario.yaml`). */
  scenarioFile?: string;
}

/** What the schedule's memo keeps, so a listing says what it runs without decoding its action. */
interface ScheduleMemo {
  policy: string;
  scenario: string;
  tenant: string;
  cron: string;
  timeZone?: string;
  createdBy?: string;
}

/** A drill schedule as listed: what it runs (its memo), when, and whether it is paused. */
export interface DrillScheduleView extends ScheduleMemo {
  name: string;
  scheduleId: string;
  paused: boolean;
  note?: string;
  nextRuns: string[];
  recentRuns: string[];
}

/** The schedule is not there, or belongs to a tenant the caller may not see (the same words, so it cannot tell). */
export class DrillScheduleNotFoundError extends Error {
  override readonly name = 'DrillScheduleNotFoundError';
}

/** The caller's token is bound to tenants, and the scenario drills (or sandboxes) another. */
export class DrillScheduleForbiddenError extends Error {
  override readonly name = 'DrillScheduleForbiddenError';
}

/** A name already taken by another drill schedule. */
export class DrillScheduleExistsError extends Error {
  override readonly name = 'DrillScheduleExistsError';
}

/** How long after a missed time (no worker, server down) a drill still starts. */
const CATCHUP_WINDOW_MS = 24 * 3_600_000;
/** Drill schedules one listing returns at most. */
const MAX_LISTED = 500;

/** The workflow a drill schedule starts (workflows/scheduled-drill.ts), by its name: the client imports no workflow code. */
export const SCHEDULED_DRILL_WORKFLOW_TYPE = 'scheduledDrill';

const memoOf = (memo: Record<string, unknown> | undefined): ScheduleMemo | undefined =>
  memo && typeof memo.tenant === 'string' && typeof memo.policy === 'string' ? (memo as unknown as ScheduleMemo) : undefined;

function viewOf(scheduleId: string, memo: ScheduleMemo, state: { paused: boolean; note?: string }, info: { nextActionTimes: Date[]; recentActions: Array<{ takenAt: Date }> }): DrillScheduleView {
  return {
    name: scheduleId.slice(DRILL_SCHEDULE_PREFIX.length),
    scheduleId,
    policy: memo.policy,
    scenario: memo.scenario,
    tenant: memo.tenant,
    cron: memo.cron,
    ...(memo.timeZone ? { timeZone: memo.timeZone } : {}),
    ...(memo.createdBy ? { createdBy: memo.createdBy } : {}),
    paused: state.paused,
    ...(state.note ? { note: state.note } : {}),
    nextRuns: info.nextActionTimes.slice(0, 3).map((d) => d.toISOString()),
    recentRuns: info.recentActions.map((a) => a.takenAt.toISOString()),
  };
}

export class DrillSchedules {
  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
  ) {}

  /**
   * Makes a drill schedule after checking all it holds: the name, the cron expression, the zone,
   * the scenario (file, line, field) and the policy. `tenants`: the caller's, when bound to some;
   * the scenario's tenant and sandbox must be among them, as for a drill started by hand.
   */
  async create(req: DrillScheduleRequest, book: PolicyBook, by: { name: string; tenants?: string[] }): Promise<DrillScheduleView> {
    const scenarioFile = req.scenarioFile ?? 'scenario.yaml';
    const scenario = parseScenario(req.scenario, scenarioFile);
    const name = checkScheduleName(req.name ?? scenario.name);
    const cron = checkCron(req.cron);
    const timeZone = req.timeZone === undefined ? undefined : checkTimeZone(req.timeZone);
    if (!book.policies.some((p) => p.name === req.policy)) throw new DrillScheduleError('policy', `policy "${req.policy}" does not exist (known: ${book.policies.map((p) => p.name).join(', ')})`);
    const forbidden = forbiddenDrill(by.tenants, scenario, req.policy, book);
    if (forbidden) throw new DrillScheduleForbiddenError(forbidden);
    const scheduleId = drillScheduleId(name);
    const args: [ScheduledDrillInput] = [{ scheduleId, policy: req.policy, scenario: req.scenario, scenarioFile }];
    const memo: ScheduleMemo = { policy: req.policy, scenario: scenario.name, tenant: scenario.tenant, cron, ...(timeZone ? { timeZone } : {}), createdBy: by.name };
    try {
      await this.client.schedule.create({
        scheduleId,
        spec: { cronExpressions: [cron], ...(timeZone ? { timezone: timeZone } : {}) },
        action: { type: 'startWorkflow', workflowType: SCHEDULED_DRILL_WORKFLOW_TYPE, taskQueue: this.taskQueue, workflowId: scheduleId, args },
        // One drill at a time per schedule; a start missed while Temporal was down still happens within a day.
        policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: CATCHUP_WINDOW_MS },
        memo: { ...memo },
      });
    } catch (err) {
      if (err instanceof ScheduleAlreadyRunning) throw new DrillScheduleExistsError(`a drill schedule named "${name}" exists already: delete it first, or give --name`);
      throw err;
    }
    return this.show(name, by.tenants);
  }

  /** The drill schedules the caller may see (all, or those of its tenants), by name. */
  async list(tenants?: string[]): Promise<DrillScheduleView[]> {
    const out: DrillScheduleView[] = [];
    for await (const s of this.client.schedule.list()) {
      const memo = memoOf(s.memo);
      if (!s.scheduleId.startsWith(DRILL_SCHEDULE_PREFIX) || !memo || (tenants && !tenants.includes(memo.tenant))) continue;
      out.push(viewOf(s.scheduleId, memo, s.state, summaryInfo(s)));
      if (out.length >= MAX_LISTED) break;
    }
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }

  async show(nameOrId: string, tenants?: string[]): Promise<DrillScheduleView> {
    const { scheduleId, description, memo } = await this.find(nameOrId, tenants);
    return viewOf(scheduleId, memo, description.state, description.info);
  }

  async pause(nameOrId: string, tenants: string[] | undefined, by: string): Promise<DrillScheduleView> {
    const { scheduleId } = await this.find(nameOrId, tenants);
    await this.client.schedule.getHandle(scheduleId).pause(`paused by ${by}`);
    return this.show(scheduleId, tenants);
  }

  async unpause(nameOrId: string, tenants: string[] | undefined, by: string): Promise<DrillScheduleView> {
    const { scheduleId } = await this.find(nameOrId, tenants);
    await this.client.schedule.getHandle(scheduleId).unpause(`unpaused by ${by}`);
    return this.show(scheduleId, tenants);
  }

  async delete(nameOrId: string, tenants?: string[]): Promise<{ deleted: string }> {
    const { scheduleId } = await this.find(nameOrId, tenants);
    await this.client.schedule.getHandle(scheduleId).delete();
    return { deleted: scheduleId.slice(DRILL_SCHEDULE_PREFIX.length) };
  }

  /** A drill schedule by name or id, if the caller may see it: its tenant is in the memo. */
  private async find(nameOrId: string, tenants?: string[]): Promise<{ scheduleId: string; description: ScheduleDescription; memo: ScheduleMemo }> {
    const name = scheduleNameOf(nameOrId);
    const scheduleId = drillScheduleId(name);
    const notFound = new DrillScheduleNotFoundError(`no drill schedule is named "${name}"`);
    let description: ScheduleDescription;
    try {
      description = await this.client.schedule.getHandle(scheduleId).describe();
    } catch (err) {
      if (err instanceof ScheduleNotFoundError) throw notFound;
      throw err;
    }
    const memo = memoOf(description.memo);
    if (!memo || (tenants && !tenants.includes(memo.tenant))) throw notFound;
    return { scheduleId, description, memo };
  }
}

/** A listing's summary carries the next and recent times under `info` (older servers may leave them out). */
const summaryInfo = (s: ScheduleSummary): { nextActionTimes: Date[]; recentActions: Array<{ takenAt: Date }> } => ({
  nextActionTimes: s.info?.nextActionTimes ?? [],
  recentActions: s.info?.recentActions ?? [],
});

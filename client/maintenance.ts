import { randomBytes } from 'node:crypto';
import { WorkflowNotFoundError } from '@temporalio/common';
import type { Client } from '@temporalio/client';
import type { Alert } from '../core/alerts/alert';
import type { Actor } from '../core/incident/actor';
import { MaintenanceInputError, windowFor } from '../core/maintenance/window-input';
import { decide, maintenanceWorkflowId, type MaintenanceDecision } from '../core/maintenance/window';
import { SOURCES } from '../core/sources/registry';
import { MaintenanceWindows, type StoredWindow, type WindowList } from '../ledger/maintenance-windows';
import { LiveWindows } from './live-windows';
import type { LedgerStore } from '../ledger/store';
import { endMaintenanceUpdate, type MaintenanceEnded, type MaintenanceWorkflowInput } from '../workflows/maintenance';

/** The window's workflow (workflows/maintenance.ts), by its name: the client imports no workflow code. */
export const MAINTENANCE_WORKFLOW_TYPE = 'maintenanceWindow';

/** Who asks, as the API knows them: their name for the record, and the tenants their token is bound to. */
export interface MaintenanceCaller {
  actor: Actor;
  /** Absent: every tenant. */
  tenants?: readonly string[];
}

/**
 * Maintenance windows for the API and the CLI: checks a request (core/maintenance/window-input.ts),
 * stores it with its `maintenance.started` record (ledger/maintenance-windows.ts), starts the
 * workflow whose timer ends it, ends it by that workflow's `end` Update, lists them, and decides
 * for the alert route whether an alert is held. A tenant-bound caller sees and changes only
 * its tenants' windows; another tenant's is one that does not exist (404).
 */
export class Maintenance {
  readonly windows: MaintenanceWindows;
  /** The live windows the alert route reads, kept a second per tenant (client/live-windows.ts). */
  private readonly live: LiveWindows;

  constructor(
    ledger: LedgerStore,
    private readonly temporal: Client,
    private readonly taskQueue: string,
  ) {
    this.windows = new MaintenanceWindows(ledger);
    this.live = new LiveWindows((tenant, at, through) => this.windows.liveFor(tenant, at, through));
  }

  async start(body: unknown, caller: MaintenanceCaller, now: Date): Promise<StoredWindow> {
    const w = windowFor(body, { now: now.getTime(), by: caller.actor.name, newId: () => `mw-${randomBytes(6).toString('hex')}`, sources: [...SOURCES.keys()] });
    if (caller.tenants && !caller.tenants.includes(w.tenant)) throw new MaintenanceInputError(`tenant "${w.tenant}" is not one of this token's tenants (${caller.tenants.join(', ')})`, 404);
    const stored = await this.windows.open(w, caller.actor);
    this.live.forget(w.tenant);
    const input: MaintenanceWorkflowInput = { id: w.id, tenant: w.tenant, until: w.until };
    try {
      await this.temporal.workflow.start(MAINTENANCE_WORKFLOW_TYPE, { taskQueue: this.taskQueue, workflowId: maintenanceWorkflowId(w.id), args: [input] });
    } catch (err) {
      // No timer would end it: it must not hold anything, and its record says it ended at once, and why.
      await this.windows.abandon(stored, `its workflow did not start: ${(err as Error).message}`, now).catch(() => undefined);
      this.live.forget(w.tenant);
      throw err;
    }
    return stored;
  }

  /** Ends a window now: 404 when the caller has none by that id, 409 when it is over already. */
  async end(id: string, caller: MaintenanceCaller, now: Date): Promise<MaintenanceEnded> {
    const w = await this.visible(id, caller);
    const over = () => new MaintenanceInputError(`maintenance window ${id} is over already${w.endedAt ? ` (ended ${w.endedAt} by ${w.endedBy})` : ''}`, 409);
    if (w.endedAt !== undefined || (w.until !== null && Date.parse(w.until) <= now.getTime())) throw over();
    try {
      return await this.endThroughWorkflow(w, caller, now, over);
    } finally {
      // Its alerts page from now on here, not a second later (client/live-windows.ts).
      this.live.forget(w.tenant);
    }
  }

  private async endThroughWorkflow(w: StoredWindow, caller: MaintenanceCaller, now: Date, over: () => MaintenanceInputError): Promise<MaintenanceEnded> {
    const id = w.id;
    try {
      return await this.temporal.workflow.getHandle(maintenanceWorkflowId(id)).executeUpdate(endMaintenanceUpdate, { args: [{ actor: caller.actor }] });
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError || /workflow execution already completed/i.test((err as Error).message))) throw err;
      // Its timer won the race (its end is in the database), or the workflow is gone without
      // having ended it (never started, terminated, failed): then nothing else will end it, and
      // it is ended here, with the reason in its record, rather than holding alerts for ever.
      const why = 'its workflow was gone, so no summary was posted';
      const endedAt = new Date(now);
      if (!(await this.windows.abandon(w, why, endedAt, caller.actor))) throw over();
      return { id, endedAt: endedAt.toISOString(), endedBy: caller.actor.name, expired: false, held: w.held, bypassed: w.bypassed, summary: { none: why } };
    }
  }

  async get(id: string, caller: MaintenanceCaller): Promise<StoredWindow> {
    return this.visible(id, caller);
  }

  /** Windows live or to come (with `recent`, also those ended in the last day) of the caller's tenants. */
  async list(caller: MaintenanceCaller, now: Date, recent = false): Promise<WindowList> {
    return this.windows.list({ ...(caller.tenants ? { tenants: caller.tenants } : {}), recent }, now);
  }

  /**
   * For the alert route: hold, bypass or page. Throws when the database does not answer (the
   * route pages then). `memo` keeps one delivery's reads per tenant: a batch of a hundred alerts
   * of one tenant reads its windows once.
   */
  async decide(alert: Alert, at: Date, memo?: Map<string, Promise<StoredWindow[]>>): Promise<MaintenanceDecision> {
    let live = memo?.get(alert.tenant);
    if (!live) {
      live = this.liveFor(alert.tenant, at);
      memo?.set(alert.tenant, live);
    }
    return decide(alert, await live, at.getTime());
  }

  /** The windows of `tenant` holding alerts at `at`, as read at most a second ago (client/live-windows.ts). */
  liveFor(tenant: string, at: Date): Promise<StoredWindow[]> {
    return this.live.liveFor(tenant, at);
  }

  private async visible(id: string, caller: MaintenanceCaller): Promise<StoredWindow> {
    const w = await this.windows.get(id);
    if (!w || (caller.tenants && !caller.tenants.includes(w.tenant))) throw new MaintenanceInputError(`no maintenance window "${id.slice(0, 40)}"`, 404);
    return w;
  }
}

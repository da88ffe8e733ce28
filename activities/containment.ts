import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { AdapterConfig, ContainmentTargets } from '../core/containment/containment-config';
import { isDrillId } from '../core/drills/drill';
import { PermanentAdapterError, type AdapterRequest, type ContainmentAdapter } from './containment/adapter';
import { EdgeConfigAdapter } from './containment/edge-config';
import { PostgresAdapter } from './containment/postgres';
import { WebhookAdapter } from './containment/webhook';

function adapterFor(config: AdapterConfig): ContainmentAdapter {
  switch (config.adapter) {
    case 'edge-config':
      return new EdgeConfigAdapter(config);
    case 'webhook':
      return new WebhookAdapter(config);
    case 'postgres':
      return new PostgresAdapter(config);
  }
}

/** Runs `step`; an answer no retry can cure fails the activity for good, named. */
async function once<T>(step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (err) {
    if (err instanceof PermanentAdapterError) throw ApplicationFailure.nonRetryable(err.message, 'ContainmentRefused');
    throw err;
  }
}

/** The adapters of every tenant, made on first use and closed with the worker. */
export class ContainmentAdapters {
  private readonly made = new Map<string, ContainmentAdapter>();

  constructor(private readonly targets: ContainmentTargets) {}

  /**
   * Refuses a drill's action on any tenant but a declared sandbox (a global one included), before
   * any adapter is made: the workflow plans the rest as dry-run, and this holds even if it did not.
   */
  refuseUnlessSandbox(req: AdapterRequest): void {
    if (isDrillId(req.incidentId) && !this.targets.sandboxes?.has(req.tenant)) {
      const why = req.tenant === '*' ? 'a global action reaches every tenant' : `"${req.tenant}" is not among the sandboxes of KLAXON_CONTAINMENT_FILE`;
      throw ApplicationFailure.nonRetryable(`drill ${req.incidentId} may act on a sandbox tenant only: ${why}`, 'ContainmentNotSandbox');
    }
  }

  of(tenant: string): { adapter: ContainmentAdapter; type: string } {
    const config = tenant === '*' ? this.targets.global : this.targets.tenants.get(tenant);
    if (!config) throw ApplicationFailure.nonRetryable(`no containment adapter is configured for ${tenant === '*' ? 'global actions' : `tenant "${tenant}"`} (KLAXON_CONTAINMENT_FILE)`, 'ContainmentUnconfigured');
    if (!this.made.has(tenant)) this.made.set(tenant, adapterFor(config));
    return { adapter: this.made.get(tenant)!, type: config.adapter };
  }

  async close(): Promise<void> {
    await Promise.all([...this.made.values()].map((a) => a.close?.()));
    this.made.clear();
  }
}

/**
 * Containment through the adapter of the action's tenant (KLAXON_CONTAINMENT_FILE). Each
 * activity acts, then reads the state back: an action counts as applied (or undone) only once
 * the control plane says so, and what it said is recorded as the verification. Heartbeats
 * between the steps let Temporal notice a worker that died mid-action within the heartbeat
 * timeout and retry elsewhere, with the same idempotency key.
 */
export function createContainmentActivities(adapters: ContainmentAdapters) {
  return {
    async applyContainment(req: AdapterRequest): Promise<Record<string, unknown>> {
      adapters.refuseUnlessSandbox(req);
      const { adapter, type } = adapters.of(req.tenant);
      await once(() => adapter.apply(req));
      Context.current().heartbeat('applied');
      const reading = await once(() => adapter.read(req));
      if (!reading.active) throw ApplicationFailure.retryable(`${type}: ${req.spec.kind} for ${req.tenant} does not read back as active`, 'ContainmentNotVerified');
      return { adapter: type, observed: reading.observed };
    },

    async undoContainment(req: AdapterRequest): Promise<Record<string, unknown>> {
      adapters.refuseUnlessSandbox(req);
      const { adapter, type } = adapters.of(req.tenant);
      await once(() => adapter.undo(req));
      Context.current().heartbeat('undone');
      const reading = await once(() => adapter.read(req));
      if (reading.active) throw ApplicationFailure.retryable(`${type}: ${req.spec.kind} for ${req.tenant} still reads back as active`, 'ContainmentNotVerified');
      return { adapter: type, observed: reading.observed };
    },
  };
}

export type ContainmentActivities = ReturnType<typeof createContainmentActivities>;

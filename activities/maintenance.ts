import { ApplicationFailure, Context } from '@temporalio/activity';
import type { AuditPayload } from '../core/audit/events';
import { maintenanceSummary } from '../core/maintenance/summary';
import { maintenanceChain } from '../core/maintenance/window';
import { scopeOf, type MaintenanceWindows } from '../ledger/maintenance-windows';
import type { LedgerStore } from '../ledger/store';
import type { MaintenanceActivities, MaintenanceEnded } from '../workflows/maintenance';
import type { SlackTransport } from './slack-transport';

/** Attempts at posting the summary before the end is recorded without it (the end itself is retried without a limit). */
const POST_ATTEMPTS = 5;

export interface MaintenanceDeps {
  windows: MaintenanceWindows;
  ledger: LedgerStore;
  slack: SlackTransport;
  /** The Slack channel of the policy a tenant's alerts go to (else the incidents channel). */
  channelFor: (tenant: string) => string;
}

/**
 * Ending a window: one UPDATE (a retry finds it ended and keeps the first end), the summary of
 * what it held posted to the policy's channel under one key (a retry finds its earlier post),
 * then `maintenance.ended`, whose step key makes the whole activity a no-op once recorded.
 */
export function createMaintenanceActivities(deps: MaintenanceDeps): MaintenanceActivities {
  return {
    async endMaintenance({ id, actor, at, expired }) {
      const found = await deps.windows.get(id);
      if (!found) throw ApplicationFailure.nonRetryable(`no maintenance window ${id}`, 'UnknownMaintenanceWindow');
      const chain = maintenanceChain(found.tenant);
      const stepKey = `${chain}/${id}/ended`;
      const recorded = await deps.ledger.byStepKey(stepKey);
      if (recorded) {
        const p = recorded.payload as AuditPayload<'maintenance.ended'>;
        return { id, endedAt: p.endedAt, endedBy: recorded.actor.name, expired: p.expired, held: p.held, bypassed: p.bypassed, summary: p.summary };
      }
      const outcome = await deps.windows.end(id, actor.name, new Date(at));
      if ('unknown' in outcome) throw ApplicationFailure.nonRetryable(`no maintenance window ${id}`, 'UnknownMaintenanceWindow');
      const w = 'ended' in outcome ? outcome.ended : outcome.already;
      const endedAt = w.endedAt ?? at;
      const endedBy = w.endedBy ?? actor.name;
      const tally = await deps.windows.tally(w);
      const channel = deps.channelFor(w.tenant);
      const { attempt, heartbeatDetails } = Context.current().info;
      // The post's own failures, carried from attempt to attempt in the heartbeat details: the
      // attempt number also counts the database's failures, and after a long outage a single
      // failed post would otherwise give the summary up at once.
      const postFailures = Number((heartbeatDetails as { postFailures?: unknown } | undefined)?.postFailures) || 0;
      let summary: MaintenanceEnded['summary'];
      try {
        await deps.slack.post(channel, maintenanceSummary(w, tally, { at: endedAt, by: endedBy, expired }), `${chain}/${id}/summary`, attempt > 1);
        summary = { channel };
      } catch (err) {
        if (postFailures + 1 < POST_ATTEMPTS) {
          Context.current().heartbeat({ postFailures: postFailures + 1 });
          throw err;
        }
        summary = { failed: (err as Error).message.slice(0, 300) };
      }
      const held = tally.counts.reduce((n, c) => n + c.count, 0);
      await deps.ledger.append({
        incidentId: chain,
        stepKey,
        kind: 'maintenance.ended',
        occurredAt: endedAt,
        actor: expired ? actor : { ...actor, name: endedBy },
        payload: { ...scopeOf(w), endedAt, expired, held, bypassed: tally.bypassed, summary },
      });
      return { id, endedAt, endedBy, expired, held, bypassed: tally.bypassed, summary };
    },
  };
}

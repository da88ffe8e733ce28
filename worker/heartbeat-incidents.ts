import type { Incidents } from '../client/incidents';
import { keptAlert } from '../core/alerts/kept-alert';
import { declaredMonitors } from '../core/heartbeats/declarations';
import { resumption, silenceAlert } from '../core/heartbeats/heartbeat-monitor';
import type { PolicyBook } from '../core/policy/routing';
import type { HeartbeatActivities } from '../workflows/heartbeat';

/**
 * The activities of the heartbeat monitors' watches (workflows/heartbeat.ts), over the worker's
 * policy book and a client of Temporal: a silence opens its incident through `Incidents.open`,
 * the way every alert's incident opens, under the policy that declares the
 * monitor; a beat after it passes on as a source's "resolved" (`Incidents.recordResolution`), so
 * the policy's autoResolve decides, as for Alertmanager's or Sentry's. Both are idempotent by
 * their delivery ids (the watch's id and the silence's number): a retry neither pages twice nor
 * records twice.
 */
export function heartbeatActivities(incidents: Incidents, book: PolicyBook): HeartbeatActivities {
  const declared = declaredMonitors(book);
  const of = (name: string, tenant: string) => {
    const found = declared.get(name);
    return found && found.monitor.tenant === tenant ? found : undefined;
  };
  return {
    async heartbeatDeclaration({ name, tenant }) {
      return of(name, tenant)?.monitor ?? null;
    },
    async openSilenceIncident(silence) {
      // Declared when the watch checked, gone now (a retry on a worker with a newer policy file): the
      // silence was found, so it still pages, under the first policy, as an alert no route matches does.
      const policy = of(silence.monitor.name, silence.monitor.tenant)?.policy ?? book.policies[0];
      const { incidentId } = await incidents.open([keptAlert(silenceAlert(silence))], policy);
      return { incidentId };
    },
    async resolveSilenceIncident(silence, resumedAt) {
      const { incidentId, matched } = await incidents.recordResolution(resumption(silence, resumedAt));
      return { incidentId, matched };
    },
  };
}

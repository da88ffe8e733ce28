import type { Alert } from '../core/alerts/alert';
import { ConfigError } from '../core/shared/config-error';
import { declaredMonitors } from '../core/heartbeats/declarations';
import type { HeartbeatMonitor } from '../core/heartbeats/heartbeat-monitor';
import type { PolicyBook } from '../core/policy/routing';
import type { Incidents } from './incidents';
import { heartbeats } from '../telemetry/metrics';

/**
 * Beats from alerts: at most one per monitor this often, per API process. An alert storm from a
 * source would otherwise be a signal per alert to the watch; the watch needs to hear the source
 * is alive, not each alert. Silence is then counted from up to this long before the last alert.
 */
export const ALERT_BEAT_INTERVAL_MS = 1000;

/**
 * The heartbeat monitors of the API's policy book, and their beats: signed `POST
 * /v1/heartbeats/<name>` (client/api/heartbeats.ts) and the alerts a monitor's source delivers
 * for its tenant. Every beat is a signal-with-start of the monitor's watch (`Incidents.heartbeat`).
 */
export class HeartbeatFeed {
  private readonly monitors: Map<string, HeartbeatMonitor>;
  /** Monitors fed by alerts, by `source \n tenant`. */
  private readonly fedBy = new Map<string, HeartbeatMonitor[]>();
  /** When this process last beat for a monitor from alerts; bounded by the monitors declared. */
  private readonly lastFromAlerts = new Map<string, number>();

  constructor(
    private readonly incidents: Incidents,
    book: PolicyBook,
    private readonly log: (line: string) => void,
    private readonly now: () => number = Date.now,
  ) {
    this.monitors = new Map([...declaredMonitors(book)].map(([name, d]) => [name, d.monitor]));
    for (const m of this.monitors.values()) {
      if (!m.source) continue;
      const key = `${m.source}\n${m.tenant}`;
      this.fedBy.set(key, [...(this.fedBy.get(key) ?? []), m]);
    }
  }

  /** The monitor the policy declares by this name. */
  monitor(name: string): HeartbeatMonitor | undefined {
    return this.monitors.get(name);
  }

  /** A signed beat over HTTP: durable once this returns (the sender gets its 202 then). */
  async beat(monitor: HeartbeatMonitor): Promise<void> {
    await this.incidents.heartbeat(monitor);
  }

  /**
   * The alerts a delivery brought (classified, so with the tenant the rules gave them; replays
   * left out), as beats of the monitors their source feeds for their tenant: the source
   * authenticated and said something, so it is alive, whether or not Temporal then takes the
   * alerts. Never fails the delivery: a beat lost errs on the side of a page (the monitor looks
   * silent), so it is logged and counted, not retried.
   */
  async fromAlerts(source: string, alerts: Alert[]): Promise<void> {
    if (this.fedBy.size === 0) return;
    const due = new Set<HeartbeatMonitor>();
    const now = this.now();
    for (const a of alerts) {
      for (const m of this.fedBy.get(`${source}\n${a.tenant}`) ?? []) {
        if (now - (this.lastFromAlerts.get(m.name) ?? -Infinity) < ALERT_BEAT_INTERVAL_MS) continue;
        this.lastFromAlerts.set(m.name, now);
        due.add(m);
      }
    }
    await Promise.all(
      [...due].map((m) =>
        this.incidents.heartbeat(m).then(
          () => heartbeats.inc({ via: 'alert', outcome: 'accepted' }),
          (err: Error) => {
            heartbeats.inc({ via: 'alert', outcome: 'unavailable' });
            this.log(`klaxon api: a beat of a heartbeat monitor fed by ${source} was not taken by Temporal: ${err.message}`);
          },
        ),
      ),
    );
  }
}

/**
 * A monitor that nothing can feed: one that only `POST /v1/heartbeats/<name>` feeds while the
 * secret that signs it is not set is refused at start (its watch would never start: a watch
 * starts with its first beat). One fed by a source the API does not take alerts from is said in
 * a notice: signed beats still feed it, so the configuration may be meant.
 */
export function heartbeatFeedNotices(book: PolicyBook, enabledSources: ReadonlySet<string>, webhookSecret: string | undefined): string[] {
  const refused: string[] = [];
  const notices: string[] = [];
  for (const { monitor, policy } of declaredMonitors(book).values()) {
    const where = `policy "${policy.name}": heartbeat monitor "${monitor.name}"`;
    if (!monitor.source && !webhookSecret) refused.push(`${where} is fed only by POST /v1/heartbeats/${monitor.name}, signed with KLAXON_WEBHOOK_SECRET, which is not set`);
    if (monitor.source && !enabledSources.has(monitor.source)) notices.push(`${where} is fed by source "${monitor.source}", which KLAXON_SOURCES does not enable: only POST /v1/heartbeats/${monitor.name} feeds it`);
  }
  if (refused.length) throw new ConfigError(refused.join('; '));
  return notices;
}

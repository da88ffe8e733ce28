import type { Alert } from '../core/alerts/alert';
import { SAMPLE_SIZE } from '../core/alerts/alert-batch';
import type { UnredactedAlert } from '../core/alerts/unredacted-alert';
import { incidentIdFor } from '../core/incident/incident-id';
import { REMEMBERED_DELIVERIES } from '../core/incident/incident-alerts';
import { policyFor, type PolicyBook } from '../core/policy/routing';
import type { Incidents } from './incidents';

/** While alerts keep coming for one key, at most one signal per this interval. */
export const COALESCE_INTERVAL_MS = 250;
/**
 * Alerts in one signal at most; a larger backlog goes out in several. A fifth of the delivery
 * ids an incident remembers: a batch whose answer was lost (the API died after Temporal took
 * it) is retried by its senders, and must still be remembered by the incident when the retries
 * come, after the batches other replicas sent meanwhile. A batch larger than the memory would
 * forget its own first alerts at once and count them again.
 */
export const MAX_BATCH = REMEMBERED_DELIVERIES / 5;

export interface Accepted {
  incidentId: string;
  /** False only for the alert that opened the incident. */
  deduplicated: boolean;
}

/**
 * The coalescing windows of all API replicas together (ledger/intake-windows.ts): `reserve`
 * takes the key's next free window for a send and answers how many ms until it opens (0: now).
 * Never throws: a window it cannot reserve lets the batch go at once.
 */
export interface IntakeWindows {
  reserve(key: string, windowMs: number): Promise<number>;
}

interface Waiting {
  alert: Alert;
  /** The policies in force when the alert arrived (client/api/live-configuration.ts). */
  policies: PolicyBook;
  unredacted?: UnredactedAlert;
  resolve: (accepted: Accepted) => void;
  reject: (err: unknown) => void;
}

interface Lane {
  waiting: Waiting[];
  inFlight: boolean;
  lastSentAt: number;
  timer?: NodeJS.Timeout;
}

/**
 * Takes alerts into Temporal, coalescing a storm per incident key: the first alert of a quiet
 * key goes out at once; while a signal for the key is in flight, or less than
 * COALESCE_INTERVAL_MS ago, later alerts wait and go out together as one batch. Every caller
 * is answered only once the signal carrying its alert has returned, so an alert that was
 * acknowledged with 202 is in Temporal even if this process dies the next instant.
 *
 * With `windows` shared by the replicas, a send first reserves the key's next window there and
 * goes when it opens; alerts arriving meanwhile join the batch. A storm the load balancer spreads
 * over ten replicas is then signalled once per window, not ten times, the replicas taking turns.
 * That costs each send one database round trip, so one API process alone (the embedded stack)
 * goes without.
 */
export class AlertIntake {
  private readonly lanes = new Map<string, Lane>();

  constructor(
    private readonly incidents: Incidents,
    private readonly windows?: IntakeWindows,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * `alert` as Klaxon keeps it (redacted); `policies` those in force when it arrived, so an
   * incident it opens gets the policy file's latest; `unredacted` as sent, passed on only where
   * the policy keeps it.
   */
  submit(alert: Alert, policies: PolicyBook, unredacted?: UnredactedAlert): Promise<Accepted> {
    const key = incidentIdFor(alert);
    let lane = this.lanes.get(key);
    if (!lane) {
      lane = { waiting: [], inFlight: false, lastSentAt: -Infinity };
      this.lanes.set(key, lane);
    }
    const accepted = new Promise<Accepted>((resolve, reject) => lane!.waiting.push({ alert, policies, unredacted, resolve, reject }));
    this.schedule(key, lane);
    return accepted;
  }

  private schedule(key: string, lane: Lane): void {
    if (lane.inFlight || lane.timer || lane.waiting.length === 0) return;
    const wait = lane.lastSentAt + COALESCE_INTERVAL_MS - this.now();
    if (wait > 0) {
      lane.timer = setTimeout(() => {
        lane.timer = undefined;
        void this.send(key, lane);
      }, wait);
    } else {
      void this.send(key, lane);
    }
  }

  private async send(key: string, lane: Lane): Promise<void> {
    lane.inFlight = true;
    const wait = this.windows ? await this.windows.reserve(key, COALESCE_INTERVAL_MS).catch(() => 0) : 0;
    // Another replica's window runs until then; ours follows it, holding what arrives meanwhile.
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const batch = lane.waiting.splice(0, MAX_BATCH);
    lane.lastSentAt = this.now();
    try {
      // The first alert chooses the policy; it is pinned to the incident for good. The workflow
      // takes it only when this signal starts the incident: an open incident keeps its own
      // (workflows/incident.ts, the input), whatever the policy file says since.
      const policy = policyFor(batch[0].policies, batch[0].alert);
      // Like the sample of kept alerts, a bounded few per signal.
      const unredacted = policy.keepUnredactedAlerts ? batch.slice(0, SAMPLE_SIZE).flatMap((w) => (w.unredacted ? [w.unredacted] : [])) : [];
      const { incidentId, started } = await this.incidents.open(
        batch.map((w) => w.alert),
        policy,
        unredacted,
      );
      batch.forEach((w, i) => w.resolve({ incidentId, deduplicated: !(started && i === 0) }));
    } catch (err) {
      for (const w of batch) w.reject(err);
    } finally {
      lane.inFlight = false;
      if (lane.waiting.length > 0) this.schedule(key, lane);
      // A quiet key is forgotten once its interval has passed, so the map holds only live keys.
      // Only this lane, and only if nothing went out for it since: a check left over from an
      // earlier send must not forget a lane that just sent, or the next alert would open a new
      // lane and go out at once beside it (a storm at 50/s was signalled 9 times a second).
      else setTimeout(() => this.forgetIfQuiet(key, lane), COALESCE_INTERVAL_MS).unref();
    }
  }

  private forgetIfQuiet(key: string, lane: Lane): void {
    const quiet = lane.waiting.length === 0 && !lane.inFlight && !lane.timer && this.now() - lane.lastSentAt >= COALESCE_INTERVAL_MS;
    if (quiet && this.lanes.get(key) === lane) this.lanes.delete(key);
  }
}

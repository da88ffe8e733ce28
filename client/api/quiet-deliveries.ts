import type { ClassificationRules } from '../../core/alerts/classification';
import { classifyResolution } from '../../core/alerts/classification';
import { incidentIdFor } from '../../core/incident/incident-id';
import type { SourceIgnored, SourceTest } from '../../core/sources/source';
import type { LedgerStore } from '../../ledger/store';
import type { Incidents } from '../incidents';

/** The ledger stream test notifications are chained under: proof the wiring works, queryable like an incident's timeline. */
export const TEST_NOTIFICATIONS = '_test-notifications';

/** The reason test notifications are counted under, beside the sources' own reasons. */
export const TEST_REASON = 'test notification: recorded, nobody paged';

/**
 * Deliveries accepted without an alert or a resolution, counted by source and reason since the
 * process started. Both labels are bounded: the enabled sources, and reasons the sources write
 * themselves (never the sender's text). Kept on the API's dependencies for the metrics endpoint
 * to export (issue 19); until then each answer and log line carries the running count.
 */
export class QuietDeliveryCounts {
  private readonly counts = new Map<string, { source: string; reason: string; count: number }>();

  /** Counts one more; returns the running count of its source and reason. */
  add(source: string, reason: string): number {
    const key = `${source}\0${reason}`;
    const entry = this.counts.get(key) ?? { source, reason, count: 0 };
    entry.count += 1;
    this.counts.set(key, entry);
    return entry.count;
  }

  snapshot(): Array<{ source: string; reason: string; count: number }> {
    return [...this.counts.values()].map((e) => ({ ...e }));
  }
}

export interface QuietDeps {
  incidents: Incidents;
  rules: ClassificationRules;
  counts: QuietDeliveryCounts;
  /** The ledger, when the API has the database (DATABASE_URL); without it nothing is recorded, and the answer says so. */
  ledger?: LedgerStore;
  log: (line: string) => void;
}

export interface IgnoredAnswer {
  reason: string;
  /** How many deliveries of this source this process has ignored for this reason, this one included. */
  count: number;
  /** The open incident it was recorded in, when it concerns one. */
  recordedIn?: string;
}

const NO_LEDGER = 'no ledger database is configured (DATABASE_URL)';

/**
 * Answers, logs, counts, and records in the incident it concerns (when one of its key is open),
 * a delivery a source accepted and ignored. The log line names the source and the reason only:
 * what the sender wrote stays out of logs, as the access log keeps it out.
 */
export async function noteIgnored(source: string, item: SourceIgnored, receivedAt: Date, deps: QuietDeps): Promise<IgnoredAnswer> {
  const count = deps.counts.add(source, item.reason);
  const recordedIn = item.about && deps.ledger ? await recordInIncident(source, item, receivedAt, deps, deps.ledger) : undefined;
  deps.log(`klaxon api: ${source} delivery accepted and ignored: ${item.reason} (${count} so far)${recordedIn ? '; recorded in its open incident' : ''}`);
  return { reason: item.reason, count, ...(recordedIn ? { recordedIn } : {}) };
}

async function recordInIncident(source: string, item: SourceIgnored, receivedAt: Date, deps: QuietDeps, ledger: LedgerStore): Promise<string | undefined> {
  const resolvedAt = receivedAt.toISOString();
  // Found as its resolution would be: the rules may give it the tenant of the alert it concerns.
  const incidentId = incidentIdFor(classifyResolution({ source, ...item.about!, deliveryId: item.deliveryId, resolvedAt }, deps.rules));
  const run = await deps.incidents.currentRun(incidentId).catch(() => undefined);
  if (!run?.open) return undefined;
  await ledger.append({
    incidentId,
    stepKey: `${incidentId}/${run.runId}/ignored/${item.deliveryId}`,
    kind: 'alert.ignored',
    occurredAt: resolvedAt,
    actor: { type: 'system', name: source, via: 'webhook' },
    payload: { source, reason: item.reason, deliveryId: item.deliveryId },
  });
  return incidentId;
}

export interface TestAnswer {
  source: string;
  recognisedAs: string;
  received: true;
  /** Where the proof is: the ledger stream and the event's place in it. */
  recorded: { stream: string; seq: number } | false;
  notRecordedBecause?: string;
  /** Always empty: a test notification pages nobody. */
  paged: string[];
}

/** Records a tool's test notification under TEST_NOTIFICATIONS, counts and logs it, and opens nothing. */
export async function noteTest(test: SourceTest, deps: QuietDeps): Promise<TestAnswer> {
  const count = deps.counts.add(test.source, TEST_REASON);
  const stored = deps.ledger
    ? await deps.ledger.append({
        incidentId: TEST_NOTIFICATIONS,
        stepKey: `test/${test.deliveryId}`,
        kind: 'source.test_received',
        occurredAt: test.receivedAt,
        actor: { type: 'system', name: test.source, via: 'webhook' },
        payload: { source: test.source, recognisedAs: test.recognisedAs, deliveryId: test.deliveryId, paged: [] },
      })
    : undefined;
  deps.log(`klaxon api: ${test.source} test notification received (${count} so far): ${stored ? `recorded in ${TEST_NOTIFICATIONS}` : 'not recorded, no ledger'}; nobody paged`);
  return {
    source: test.source,
    recognisedAs: test.recognisedAs,
    received: true,
    recorded: stored ? { stream: TEST_NOTIFICATIONS, seq: stored.seq } : false,
    ...(stored ? {} : { notRecordedBecause: NO_LEDGER }),
    paged: [],
  };
}

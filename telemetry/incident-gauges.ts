import { Gauge } from 'prom-client';
import { SEVERITIES } from '../core/alerts/severity';
import { OBLIGATIONS } from '../core/regulation/regimes';
import type { Incidents } from '../client/incidents';
import type { ReviewFilter, Reviews } from '../client/reviews';
import { REVIEW_STATUSES } from '../core/reviews/review';
import { bounded, registry } from './metrics';

/** How long a reading of visibility serves scrapes: a scrape must not cost a scan of Temporal. */
const FRESH_MS = 30_000;
/** The most incidents near a deadline whose clocks one reading asks for (one query each). */
const MAX_NEAR_DEADLINE = 200;
const DAY_MS = 86_400_000;
const REGIMES = [...new Set(OBLIGATIONS.map((o) => o.regime))];

interface Reading {
  at: number;
  open: Map<string, number>;
  deadlines: Map<string, number>;
  /** Open post-incident reviews by status, and those with a follow-up action past its due date (absent without reviews to read). */
  reviews?: { byStatus: Map<string, number>; withOverdueActions: number };
}

/**
 * The gauges read from Temporal visibility (open incidents by severity; legal deadlines due
 * within 24 hours or overdue, by regime), for the API's `/metrics`. A reading is kept for
 * FRESH_MS, and concurrent scrapes share one; a reading that fails leaves the last one served
 * (the scrape still answers) and sets klaxon_visibility_reading_failed, so a broken visibility
 * shows on the dashboard. One per process: the API that serves `/metrics` sets it.
 */
export class IncidentGauges {
  private reading?: Reading;
  private pending?: Promise<void>;

  constructor(
    private readonly incidents: Incidents,
    private readonly now: () => number = Date.now,
    private readonly reviews?: Reviews,
  ) {}

  /** Takes a new reading when the last is older than FRESH_MS; scrapes meanwhile wait on the same one. */
  async current(): Promise<Reading | undefined> {
    if (!this.reading || this.now() - this.reading.at >= FRESH_MS) {
      this.pending ??= this.read()
        .then((r) => ((this.reading = r), readingFailed.set(0)), () => readingFailed.set(1))
        .finally(() => (this.pending = undefined));
      await this.pending;
    }
    return this.reading;
  }

  private async read(): Promise<Reading> {
    const at = this.now();
    const open = new Map<string, number>();
    await Promise.all(SEVERITIES.map(async (s) => open.set(s, await this.incidents.count({ openOnly: true, severity: [s] }))));
    const deadlines = new Map<string, number>();
    const near = await this.incidents.list({ openOnly: true, deadlineBefore: new Date(at + DAY_MS) }, MAX_NEAR_DEADLINE);
    for (const incident of near) {
      const view = await this.incidents.clocks(incident.incidentId, 'UTC').catch(() => undefined);
      for (const clock of view?.clocks ?? []) {
        // What is still owed: the filing, or the follow-up of a filing made in part.
        const due = clock.status === 'partial' ? clock.followUpDue?.utc : clock.status === 'open' || clock.status === 'overdue' ? clock.due.utc : undefined;
        if (!due) continue;
        const state = Date.parse(due) <= at ? 'overdue' : Date.parse(due) <= at + DAY_MS ? 'due_24h' : undefined;
        if (!state) continue;
        const key = `${bounded(clock.regime, REGIMES)}\n${state}`;
        deadlines.set(key, (deadlines.get(key) ?? 0) + 1);
      }
    }
    return { at, open, deadlines, ...(this.reviews ? { reviews: await this.readReviews(this.reviews, at) } : {}) };
  }

  private async readReviews(reviews: Reviews, at: number): Promise<NonNullable<Reading['reviews']>> {
    // Real incidents' reviews only: a drill's review (when its policy owes one) is the drill's, never a metric
    // of real incidents. Visibility picks them by their id's prefix (STARTS_WITH): counted, and taken away.
    const real = async (filter: ReviewFilter) => {
      const [all, drills] = await Promise.all([reviews.count(filter), reviews.count({ ...filter, drills: true })]);
      return all - drills;
    };
    const byStatus = new Map<string, number>();
    // Open reviews only: a complete review has ended, and `complete` counts none (it stays a label so the series exists).
    await Promise.all(REVIEW_STATUSES.map(async (s) => byStatus.set(s, s === 'complete' ? 0 : await real({ status: s }))));
    return { byStatus, withOverdueActions: await real({ overdueActionsAt: new Date(at) }) };
  }
}

let source: IncidentGauges | undefined;

/** The incidents (and, with a ledger database, the reviews) the gauges read from from now on (the API does this when it starts). */
export function readIncidentGaugesFrom(incidents: Incidents, reviews?: Reviews): void {
  source = new IncidentGauges(incidents, Date.now, reviews);
}

new Gauge({
  name: 'klaxon_open_incidents',
  help: 'Open incidents by severity (Temporal visibility, read at most every 30 s)',
  labelNames: ['severity'] as const,
  registers: [registry],
  async collect() {
    const reading = await source?.current();
    this.reset();
    for (const [severity, n] of reading?.open ?? []) this.set({ severity }, n);
  },
});

new Gauge({
  name: 'klaxon_legal_deadlines',
  help: 'Legal deadlines still owed by open incidents, by regime and state: due_24h (due within 24 hours) or overdue (Temporal visibility and the incidents\' clocks, read at most every 30 s)',
  labelNames: ['regime', 'state'] as const,
  registers: [registry],
  async collect() {
    const reading = await source?.current();
    this.reset();
    for (const [key, n] of reading?.deadlines ?? []) {
      const [regime, state] = key.split('\n');
      this.set({ regime, state }, n);
    }
  },
});

new Gauge({
  name: 'klaxon_reviews',
  help: 'Open post-incident reviews by state: owed, late (past due, not submitted), submitted (follow-up actions still open); Temporal visibility, read at most every 30 s',
  labelNames: ['state'] as const,
  registers: [registry],
  async collect() {
    const reading = await source?.current();
    this.reset();
    for (const [state, n] of reading?.reviews?.byStatus ?? []) this.set({ state }, n);
  },
});

new Gauge({
  name: 'klaxon_review_actions_overdue',
  help: 'Open post-incident reviews with a follow-up action past its due date (Temporal visibility, read at most every 30 s)',
  registers: [registry],
  async collect() {
    const reading = await source?.current();
    this.reset();
    if (reading?.reviews) this.set(reading.reviews.withOverdueActions);
  },
});

const readingFailed = new Gauge({
  name: 'klaxon_visibility_reading_failed',
  help: '1 when the last reading of Temporal visibility for the incident gauges failed (they then show the reading before)',
  registers: [registry],
});

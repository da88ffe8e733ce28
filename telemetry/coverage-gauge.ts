import { Gauge } from 'prom-client';
import { COVERAGE_DAYS, countByKind, GAP_KINDS } from '../core/oncall/coverage';
import type { Policy } from '../core/policy/policy';
import type { OnCallOverrides } from '../ledger/oncall-overrides';
import { readCoverage } from '../client/coverage';
import { componentLogger } from './log';
import { registry } from './metrics';

/** How long a reading serves scrapes: the gaps of 14 days change at hand-offs, not per scrape. */
const FRESH_MS = 60_000;

const log = componentLogger('metrics');

/**
 * `klaxon_coverage_gaps{kind}`: the coverage gaps of the policies in force over the next 14 days,
 * with the live overrides, read at most every FRESH_MS by the API that serves `/metrics`;
 * concurrent scrapes share a reading, and one that fails (the database away) leaves the last.
 */
export class CoverageGauge {
  private reading?: { at: number; counts: Record<string, number> };
  private pending?: Promise<void>;

  constructor(
    private readonly policies: () => readonly Policy[],
    private readonly overrides: OnCallOverrides | undefined,
    private readonly now: () => number = Date.now,
  ) {}

  async current(): Promise<Record<string, number> | undefined> {
    if (!this.reading || this.now() - this.reading.at >= FRESH_MS) {
      const at = this.now();
      this.pending ??= readCoverage(this.policies(), this.overrides, COVERAGE_DAYS.default, new Date(at))
        .then(
          (report) => void (this.reading = { at, counts: countByKind(report.gaps) }),
          (err: unknown) => log.warn(`coverage gaps could not be read for the metric: ${err instanceof Error ? err.message : String(err)}`),
        )
        .finally(() => (this.pending = undefined));
      await this.pending;
    }
    return this.reading?.counts;
  }
}

let source: CoverageGauge | undefined;

/** The policies (and overrides) the gauge reads from from now on (the API does this when it starts). */
export function readCoverageGaugeFrom(gauge: CoverageGauge): void {
  source = gauge;
}

new Gauge({
  name: 'klaxon_coverage_gaps',
  help: 'Coverage gaps of the policies in force over the next 14 days, by kind: nobody-on-call (a level would page nobody), unreachable (a responder it may page has no channel), layer-ending (read at most every 60 s)',
  labelNames: ['kind'] as const,
  registers: [registry],
  async collect() {
    const counts = await source?.current();
    this.reset();
    if (counts) for (const kind of GAP_KINDS) this.set({ kind }, counts[kind] ?? 0);
  },
});

import { COVERAGE_DAYS, describeGap } from '../../../core/oncall/coverage';
import { formatInstant } from '../../../core/shared/time-format';
import { OnCallOverrides } from '../../../ledger/oncall-overrides';
import { readCoverage, type CoverageReport } from '../../coverage';
import { defineCommand, quoted, TZ_OPTION, UsageError } from '../command';
import { FindingsError } from '../errors';

/** `--days n` as a whole number within the bounds every reader of coverage keeps. */
export function coverageDays(flag: string, text: string | undefined): number {
  if (text === undefined) return COVERAGE_DAYS.default;
  const days = /^\d{1,2}$/.test(text) ? Number(text) : NaN;
  if (!(days >= COVERAGE_DAYS.min && days <= COVERAGE_DAYS.max)) throw new UsageError(`--${flag} ${quoted(text)} must be a whole number of days from ${COVERAGE_DAYS.min} to ${COVERAGE_DAYS.max}`);
  return days;
}

/** The report as text, times in `zone`. */
export function renderCoverage(report: CoverageReport, zone: string): string {
  const head = `Coverage of ${report.policies.map((p) => `"${p}"`).join(', ') || 'no policy'} over ${report.days} day(s), ${formatInstant(report.from, zone)} to ${formatInstant(report.to, zone)}:`;
  if (report.gaps.length === 0) return `${head}\n  no gap: every level has someone reachable on call`;
  return [`${head} ${report.gaps.length} gap(s)`, ...report.gaps.map((g) => `  ${g.kind.padEnd(14)} ${describeGap(g, zone)}`)].join('\n');
}

const coverage = defineCommand({
  name: 'coverage',
  summary: 'the gaps ahead where a policy would page nobody',
  details:
    'Lists, for the policies in force and their run-time overrides, every period where a level (or the exhausted targets) would page nobody, every responder a level may page who has no channel, and every schedule layer that ends, over the next --days (1 to 90, default 14). Level conditions are set aside: a level for SEV1 only is checked like any other. Exits 1 when there is a gap (the list is still printed), 0 when there is none: a monitoring script can run it as is.',
  json: 'the report: from, to, days, policies and gaps (kind, policy, level, schedule, layer, responder, from, to in UTC, message)',
  options: {
    days: { type: 'string', value: '<n>', help: `how many days ahead (${COVERAGE_DAYS.min} to ${COVERAGE_DAYS.max}, default ${COVERAGE_DAYS.default})` },
    policy: { type: 'string', value: '<name>', help: 'only this policy' },
    tz: TZ_OPTION,
  },
  async run({ values }, cli) {
    const zone = cli.zone();
    const days = coverageDays('days', values.days);
    const report = await cli.read(
      (api) => api.coverage(days, values.policy),
      () => {
        const book = cli.config().policies;
        const policies = book.policies.filter((p) => values.policy === undefined || p.name === values.policy);
        if (policies.length === 0) throw new UsageError(`no policy ${quoted(values.policy!)}; the policies: ${book.policies.map((p) => p.name).join(', ')}`);
        return cli.withOptionalLedger((db) => readCoverage(policies, db && new OnCallOverrides(db), days, new Date()));
      },
    );
    const out = cli.print(report, () => renderCoverage(report, zone));
    if (report.gaps.length > 0) throw new FindingsError(out);
    return out;
  },
});

export const coverageCommands = [coverage];

import { readFileSync } from 'node:fs';
import { DateTime } from 'luxon';
import { withHash } from '../../../config/environment';
import { parseGenericAlert } from '../../../core/alerts/alert';
import { parsePolicyBook } from '../../../core/policy/policy-document';
import { PolicyError } from '../../../core/policy/policy';
import { COVERAGE_DAYS, coverageGaps, describeGap } from '../../../core/oncall/coverage';
import { coverageDays } from './coverage';
import { policyFor } from '../../../core/policy/routing';
import { simulate } from '../../../core/policy/simulation';
import { describeInterval } from '../../../core/heartbeats/heartbeat-monitor';
import { defineCommand, quoted, TZ_OPTION, UsageError } from '../command';
import { renderSimulation } from '../render';
import type { CliContext } from '../context';
import type { RuntimeOverride } from '../../../core/oncall/runtime-override';
import { OnCallOverrides } from '../../../ledger/oncall-overrides';

// Both read a policy file; simulate also the run-time overrides when this CLI reaches Klaxon (--pinned: not).

const validate = defineCommand({
  name: 'policy validate',
  args: ['<file>'],
  summary: 'check a policy file (errors name line and field), and its coverage ahead',
  details:
    "Besides its fields, checks the file's coverage over the next --coverage-days (default 14) from now, by its own schedules (no run-time override is read): a level that would page nobody, a responder without a channel, a layer that ends. A gap refuses the file (exit 1, each gap named) unless --allow-gaps, which prints it as a warning.",
  json: 'the parsed policy book, and the coverage gaps found',
  options: {
    'coverage-days': { type: 'string', value: '<n>', help: `how many days ahead coverage must hold (${COVERAGE_DAYS.min} to ${COVERAGE_DAYS.max}, default ${COVERAGE_DAYS.default})` },
    'allow-gaps': { type: 'boolean', help: 'accept a file with coverage gaps, printing each as a warning' },
    tz: TZ_OPTION,
  },
  async run({ args: [file], values }, cli) {
    const days = coverageDays('coverage-days', values['coverage-days']);
    const zone = cli.zone();
    const book = parsePolicyBook(readFileSync(file, 'utf8'), file);
    const gaps = book.policies.flatMap((p) => coverageGaps(p, [], Date.now(), days));
    const named = gaps.map((g) => `${file}: coverage gap (${g.kind}) ${describeGap(g, zone)}`);
    if (gaps.length > 0 && !values['allow-gaps']) {
      throw new PolicyError(`${file}: ${gaps.length} coverage gap(s) in the next ${days} day(s) (--allow-gaps accepts them with a warning):\n${named.join('\n')}`);
    }
    return cli.print({ ...book, coverageGaps: gaps }, () =>
      [
        ...book.policies.map((p) => `${file}: policy "${p.name}" is valid: ${p.responders.length} responder(s), ${p.levels.length} level(s), the ladder runs ${p.repeat + 1} time(s)${p.heartbeats?.length ? `; heartbeat monitor(s) ${p.heartbeats.map((m) => `${m.name} (${m.tenant}, every ${describeInterval(m.intervalSeconds)})`).join(', ')}` : ''}`),
        ...(book.routes.length ? [`${file}: ${book.routes.length} route(s); alerts no route matches get "${book.policies[0].name}"`] : []),
        ...named.map((line) => `warning: ${line}`),
      ].join('\n'),
    );
  },
});

const simulateCommand = defineCommand({
  name: 'simulate',
  summary: "who would be paged when, by the workflow's own rules",
  details: "Runs an alert through a policy file with the workflow's own rules; each page is also shown in the responder's zone. Times without an offset are read in --tz.",
  options: {
    policy: { type: 'string', value: '<file>', required: true, help: 'the policy file' },
    alert: { type: 'string', value: '<json|file>', required: true, help: 'the alert, as JSON or a file holding it' },
    at: { type: 'string', value: '<time>', required: true, help: 'when it arrives' },
    'ack-at': { type: 'string', value: '<time>', help: 'when someone acknowledges' },
    'ack-by': { type: 'string', value: '<name>', help: 'who acknowledges' },
    pinned: { type: 'boolean', help: "the policy file's schedules only, without the run-time overrides (klaxon oncall override|swap)" },
    tz: TZ_OPTION,
  },
  async run({ values }, cli) {
    const zone = cli.zone();
    const book = parsePolicyBook(readFileSync(values.policy, 'utf8'), values.policy);
    const instant = (flag: string, text: string): string => {
      const t = DateTime.fromISO(text, { zone, setZone: true });
      if (!t.isValid) throw new UsageError(`--${flag} ${quoted(text)} is not an ISO date-time (e.g. 2026-03-08T01:30 with --tz America/New_York, or 2026-03-08T01:30-05:00)`);
      return t.toUTC().toISO()!;
    };
    const at = instant('at', values.at);
    const alertJson = values.alert.trimStart().startsWith('{') ? values.alert : readFileSync(values.alert, 'utf8');
    const alert = parseGenericAlert(JSON.parse(alertJson), { deliveryId: 'simulated', receivedAt: at });
    const policy = withHash(policyFor(book, alert));
    const live = values.pinned ? undefined : await liveOverrides(cli, policy.name, at);
    const result = simulate({ policy, alert, at, ackAt: values['ack-at'] && instant('ack-at', values['ack-at']), ackBy: values['ack-by'], ...(live ? { overrides: live.overrides } : {}) });
    return cli.print({ ...result, ...(live ? { liveRoster: live.from } : {}) }, () => [...(live ? [`With ${live.overrides.length} run-time override(s) of policy "${policy.name}" from ${live.from} (--pinned: without them).`] : []), renderSimulation(result.events, zone, policy)].join('\n'));
  },
});

/**
 * Pinned policy, live roster: the run-time overrides an incident would page by, when this CLI
 * reaches Klaxon (a personal token's API, else the embedded stack's or DATABASE_URL's ledger);
 * none (the file alone) when it reaches neither.
 */
async function liveOverrides(cli: CliContext, policy: string, at: string): Promise<{ overrides: RuntimeOverride[]; from: string } | undefined> {
  const api = cli.api();
  if (api) return { overrides: (await api.onCall<{ overrides: RuntimeOverride[] }>('GET', `/v1/oncall/overrides?${new URLSearchParams({ policy })}`)).overrides, from: `the API at ${api.apiUrl}` };
  let url: string | undefined;
  try {
    url = cli.config().databaseUrl;
  } catch {
    // The environment does not configure Klaxon: the policy file alone, as before.
    return undefined;
  }
  if (!url) return undefined;
  return cli.withLedger('the run-time overrides are read', async (db) => ({ overrides: await new OnCallOverrides(db).list({ policy, after: new Date(at) }), from: 'the ledger database' }));
}

export const policyCommands = [validate, simulateCommand];

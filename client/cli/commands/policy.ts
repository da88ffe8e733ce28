import { readFileSync } from 'node:fs';
import { DateTime } from 'luxon';
import { withHash } from '../../../config/environment';
import { parseGenericAlert } from '../../../core/alerts/alert';
import { parsePolicyBook } from '../../../core/policy/policy-document';
import { policyFor } from '../../../core/policy/routing';
import { simulate } from '../../../core/policy/simulation';
import { describeInterval } from '../../../core/heartbeats/heartbeat-monitor';
import { defineCommand, quoted, TZ_OPTION, UsageError } from '../command';
import { renderSimulation } from '../render';

// Both read a policy file and nothing else: no Temporal, no ledger, no environment.

const validate = defineCommand({
  name: 'policy validate',
  args: ['<file>'],
  summary: 'check a policy file (errors name line and field)',
  json: 'the parsed policy book',
  options: {},
  async run({ args: [file] }, cli) {
    const book = parsePolicyBook(readFileSync(file, 'utf8'), file);
    return cli.print(book, () =>
      [
        ...book.policies.map((p) => `${file}: policy "${p.name}" is valid: ${p.responders.length} responder(s), ${p.levels.length} level(s), the ladder runs ${p.repeat + 1} time(s)${p.heartbeats?.length ? `; heartbeat monitor(s) ${p.heartbeats.map((m) => `${m.name} (${m.tenant}, every ${describeInterval(m.intervalSeconds)})`).join(', ')}` : ''}`),
        ...(book.routes.length ? [`${file}: ${book.routes.length} route(s); alerts no route matches get "${book.policies[0].name}"`] : []),
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
    const result = simulate({ policy, alert, at, ackAt: values['ack-at'] && instant('ack-at', values['ack-at']), ackBy: values['ack-by'] });
    return cli.print(result, () => renderSimulation(result.events, zone, policy));
  },
});

export const policyCommands = [validate, simulateCommand];

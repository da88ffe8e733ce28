import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../config/environment';
import { parsePolicyBook } from '../../core/policy/policy-document';
import { PolicyError } from '../../core/policy/policy';
import { policyFor } from '../../core/policy/routing';
import { klaxon } from '../support/processes';
import { sampleAlert } from '../support/samples';

const example = join(__dirname, '../../examples/policy.yaml');

function errorOf(text: string): string {
  try {
    parsePolicyBook(text, 'policy.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(PolicyError);
    return (err as Error).message;
  }
  throw new Error('expected the policy to be refused');
}

describe('policy files', () => {
  it('load the example, and become the policy incidents pin, with its hash', () => {
    const config = loadConfig({ KLAXON_POLICY_FILE: example }, (p) => readFileSync(p, 'utf8'));
    expect(config.policies.policies[0]).toMatchObject({
      name: 'platform-on-call',
      repeat: 2,
      levels: [
        { targets: [{ schedule: 'follow-the-sun' }] },
        { targets: ['alice', 'bob'], timeoutMinutes: 10 },
        { targets: [{ team: 'security' }], roundRobin: true, when: { severity: ['SEV1', 'SEV2'] } },
        { targets: ['dana'], when: { businessHours: 'target' } },
      ],
      schedules: [{ name: 'follow-the-sun', layers: [{ name: 'emea' }, { name: 'americas' }, { name: 'apac' }] }],
      exhausted: [{ slackChannel: 'C0SECURITY' }],
    });
    // YAML anchors share responders and schedules between policies.
    expect(config.policies.policies[1].schedules).toEqual(config.policies.policies[0].schedules);
    expect(config.policies.policies[0].hash).toMatch(/^[0-9a-f]{64}$/);
    expect(loadConfig({}).policies.policies[0].hash).not.toBe(config.policies.policies[0].hash);
  });

  it('name the file, line, column and field of each problem', () => {
    const text = [
      'name: broken',
      'responders:',
      '  - { name: alice, slackUserId: U0ALICE, timeZone: Europe/Berlin }',
      '  - { name: bob, slackUserId: bob, timeZone: Mars/Base }',
      'levels:',
      '  - targets: [alice, carol]',
      '    timeoutMinutes: 5',
    ].join('\n');
    expect(errorOf(text).split('\n')).toEqual([
      'policy.yaml:4:31: responders.1.slackUserId: responder "bob": "bob" is not a Slack user id (U… or W…)',
      'policy.yaml:4:46: responders.1.timeZone: responder "bob": "Mars/Base" is not an IANA time zone',
      'policy.yaml:6:22: levels.0.targets.1: level 1: unknown responder "carol"',
    ]);
  });

  it('name unknown schedules, unknown schedule members and broken layers', () => {
    const text = [
      'name: broken',
      'responders: [{ name: alice, slackUserId: U0ALICE, timeZone: UTC }]',
      'schedules:',
      '  - name: primary',
      '    layers:',
      '      - { name: day, members: [alice, zed], zone: Mars/Base, start: 2026-01-05T09:00, turn: { days: 1 } }',
      'levels:',
      '  - targets: [{ schedule: primary }, { schedule: secondary }]',
      '    timeoutMinutes: 5',
    ].join('\n');
    expect(errorOf(text).split('\n')).toEqual([
      'policy.yaml:4:5: schedules.0: schedule "primary": layer 1 "day": "Mars/Base" is not an IANA time zone',
      'policy.yaml:6:39: schedules.0.layers.0.members.1: schedule "primary": unknown responder "zed"',
      'policy.yaml:8:38: levels.0.targets.1: level 1: unknown schedule "secondary"',
    ]);
  });

  it('name missing and mistyped fields, and YAML that does not parse', () => {
    expect(errorOf('name: x\nresponders: []\nlevels:\n  - { targets: [a], timeoutMinutes: soon }\nescalate: true\n').split('\n')).toEqual([
      'policy.yaml:2:13: responders: Too small: expected array to have >=1 items',
      'policy.yaml:4:37: levels.0.timeoutMinutes: Invalid input: expected number, received string',
      'policy.yaml:5:11: escalate: unknown field',
    ]);
    expect(errorOf('name: [unclosed\n')).toMatch(/^policy\.yaml:2:1: /);
  });

  it('is refused by the process that reads it, naming the variable when the file is missing', () => {
    expect(() => loadConfig({ KLAXON_POLICY_FILE: '/nonexistent/policy.yaml' }, (p) => readFileSync(p, 'utf8'))).toThrow(/^KLAXON_POLICY_FILE=\/nonexistent\/policy\.yaml: ENOENT/);
  });

  it('are checked by `klaxon policy validate`, which exits 1 naming the line of each problem', async () => {
    const ok = await klaxon(['policy', 'validate', example], process.env);
    expect(ok.stdout.split('\n')).toEqual([
      `${example}: policy "platform-on-call" is valid: 5 responder(s), 4 level(s), the ladder runs 3 time(s); heartbeat monitor(s) acme-log-export (acme, every 15 min), globex-alertmanager (globex, every 15 min)`,
      `${example}: policy "acme-critical" is valid: 5 responder(s), 2 level(s), the ladder runs 6 time(s)`,
      `${example}: 1 route(s); alerts no route matches get "platform-on-call"`,
      '',
    ]);
    const refused = await klaxon(['policy', 'validate', join(__dirname, '../fixtures/rules.yaml')], process.env).catch((e: { code: number; stderr: string }) => e);
    expect(refused).toMatchObject({ code: 1, stderr: expect.stringMatching(/rules\.yaml:\d+:\d+: /) });
  });
});

describe('heartbeat monitors', () => {
  const policy = (heartbeats: string[]) =>
    ['name: watched', 'responders: [{ name: alice, slackUserId: U0ALICE, timeZone: UTC }]', 'levels: [{ targets: [alice], timeoutMinutes: 5 }]', 'heartbeats:', ...heartbeats.map((h) => `  - ${h}`)].join('\n');

  it('are declared in a policy, with the policy whose ladder their silence pages', () => {
    const book = parsePolicyBook(readFileSync(example, 'utf8'), example);
    expect(book.policies[0].heartbeats).toEqual([
      { name: 'acme-log-export', tenant: 'acme', intervalSeconds: 900, severity: 'SEV2' },
      { name: 'globex-alertmanager', tenant: 'globex', intervalSeconds: 900, severity: 'SEV3', source: 'alertmanager' },
    ]);
  });

  it('name their problems: a name outside the alphabet or too long, an interval out of 10 s..7 days, an unknown source, a name twice', () => {
    expect(
      errorOf(
        policy([
          '{ name: "../acme", tenant: acme, intervalSeconds: 60, severity: SEV2 }',
          `{ name: ${'a'.repeat(65)}, tenant: acme, intervalSeconds: 60, severity: SEV2 }`,
          '{ name: fast, tenant: acme, intervalSeconds: 9, severity: SEV2 }',
          '{ name: slow, tenant: acme, intervalSeconds: 604801, severity: SEV2 }',
          '{ name: odd, tenant: acme, intervalSeconds: 60.5, severity: SEV2, source: nagios }',
        ]),
      ).split('\n'),
    ).toEqual([
      'policy.yaml:5:13: heartbeats.0.name: letters, digits, ".", "_" or "-", starting with a letter or digit, at most 64',
      'policy.yaml:6:13: heartbeats.1.name: letters, digits, ".", "_" or "-", starting with a letter or digit, at most 64',
      'policy.yaml:7:50: heartbeats.2.intervalSeconds: at least 10 seconds',
      'policy.yaml:8:50: heartbeats.3.intervalSeconds: at most 604800 seconds (7 days)',
      'policy.yaml:9:49: heartbeats.4.intervalSeconds: a whole number of seconds',
      'policy.yaml:9:79: heartbeats.4.source: Invalid option: expected one of "generic"|"alertmanager"|"grafana"|"datadog"|"sentry"|"vercel"|"nextjs"',
    ]);
    const twice = '{ name: drain, tenant: acme, intervalSeconds: 60, severity: SEV2 }';
    expect(errorOf(policy([twice, twice.replace('acme', 'globex')]))).toBe(
      'policy.yaml:6:13: heartbeats.1.name: heartbeat monitor "drain" is declared twice (also in policy "watched"): its name alone must say which monitor a beat is for',
    );
  });
});

describe('routes', () => {
  const book = parsePolicyBook(readFileSync(example, 'utf8'), example);

  it('choose the policy by tenant and severity, the first policy otherwise', () => {
    expect(policyFor(book, sampleAlert({ tenant: 'acme', severity: 'SEV1' })).name).toBe('acme-critical');
    expect(policyFor(book, sampleAlert({ tenant: 'acme', severity: 'SEV2' })).name).toBe('platform-on-call');
    expect(policyFor(book, sampleAlert({ tenant: 'globex', severity: 'SEV1' })).name).toBe('platform-on-call');
  });

  it('must name a policy of the file, and policies their own fields, each problem located', () => {
    const text = [
      'policies:',
      '  - name: a',
      '    responders: [{ name: alice, slackUserId: U0ALICE, timeZone: UTC }]',
      '    levels: [{ targets: [{ team: ops }], timeoutMinutes: 5, when: { businessHours: Mars/Base } }]',
      'routes:',
      '  - { policy: b, match: { severity: [SEV9] } }',
    ].join('\n');
    expect(errorOf(text).split('\n')).toEqual([
      'policy.yaml:6:38: routes.0.match.severity.0: Invalid option: expected one of "SEV1"|"SEV2"|"SEV3"|"SEV4"',
    ]);
    expect(errorOf(text.replace('SEV9', 'SEV1')).split('\n')).toEqual([
      'policy.yaml:4:26: policies.0.levels.0.targets.0: level 1: unknown team "ops"',
      'policy.yaml:4:84: policies.0.levels.0.when.businessHours: level 1: "Mars/Base" is neither "target" nor an IANA time zone',
      'policy.yaml:6:15: routes.0.policy: route 1: unknown policy "b"',
    ]);
  });
});

describe('klaxon simulate', () => {
  const alert = join(__dirname, '../../examples/alert.json');

  it('prints who is paged when, in the reader\'s zone and each responder\'s, until someone acknowledges', async () => {
    const { stdout } = await klaxon(['simulate', '--policy', example, '--alert', alert, '--at', '2026-03-27T16:55', '--ack-at', '2026-03-27T17:12', '--tz', 'Europe/Berlin'], process.env);
    expect(stdout.split('\n').slice(0, 9)).toEqual([
      'Simulated escalation under policy "platform-on-call", times in Europe/Berlin:',
      '  2026-03-27 16:55:00 +01:00 (Europe/Berlin)  opened under policy "platform-on-call"',
      '  2026-03-27 16:55:00 +01:00 (Europe/Berlin)  alert #1 from generic: SEV2',
      '  2026-03-27 16:55:00 +01:00 (Europe/Berlin)  paged bob (level 1, pass 1)   [2026-03-27 11:55:00 -04:00 (America/New_York)]',
      '  2026-03-27 17:00:00 +01:00 (Europe/Berlin)  escalated to level 2 (pass 1)',
      '  2026-03-27 17:00:00 +01:00 (Europe/Berlin)  paged alice (level 2, pass 1)   [2026-03-27 17:00:00 +01:00 (Europe/Berlin)]',
      '  2026-03-27 17:00:00 +01:00 (Europe/Berlin)  paged bob (level 2, pass 1)   [2026-03-27 12:00:00 -04:00 (America/New_York)]',
      '  2026-03-27 17:10:00 +01:00 (Europe/Berlin)  escalated to level 3 (pass 1)',
      '  2026-03-27 17:10:00 +01:00 (Europe/Berlin)  paged alice (level 3, pass 1)   [2026-03-27 17:10:00 +01:00 (Europe/Berlin)]',
    ]);
    expect(stdout).toContain('2026-03-27 17:12:00 +01:00 (Europe/Berlin)  acknowledged by alice via api');
  });

  it('follows the routes, and refuses a time it cannot read', async () => {
    const sev1 = JSON.stringify({ ...JSON.parse(readFileSync(alert, 'utf8')), severity: 'SEV1' });
    const { stdout } = await klaxon(['simulate', '--policy', example, '--alert', sev1, '--at', '2026-03-27T16:55:00+01:00', '--json'], process.env);
    expect(JSON.parse(stdout).state.policyName).toBe('acme-critical');
    const refused = await klaxon(['simulate', '--policy', example, '--alert', alert, '--at', 'friday'], process.env).catch((e: { code: number; stderr: string }) => e);
    expect(refused).toMatchObject({ code: 2, stderr: expect.stringContaining('--at "friday" is not an ISO date-time') });
  });
});

describe('containment in a policy file', () => {
  it('names the action that cannot work, where it stands', () => {
    const text = ['name: p', 'responders: [{ name: alice, timeZone: UTC }]', 'levels: [{ targets: [alice], timeoutMinutes: 5 }]', 'containment:', '  rules:', '    - mode: automatic', '      actions: [{ kind: isolate-tenant }, { kind: suspend-credentials, scope: global, credentials: [k] }]'].join('\n');
    const message = errorOf(text);
    expect(message).toContain('containment rule 1: isolate-tenant needs mode: read-only, maintenance or blocked');
    expect(message).toContain('containment rule 1: only throttle-provisioning may be global: isolation and suspensions touch one tenant');
    expect(message).toMatch(/policy\.yaml:7:\d+/);
  });

  it('the example containment file reads with its secrets set', () => {
    const env = { KLAXON_CONTAINMENT_FILE: join(__dirname, '../../examples/containment.yaml'), VERCEL_API_TOKEN: 't', GLOBEX_CONTAINMENT_SECRET: 's', INITECH_DATABASE_URL: 'postgres://x' };
    expect([...loadConfig(env, (p) => readFileSync(p, 'utf8')).containment.tenants.keys()]).toEqual(['acme', 'globex', 'initech']);
  });
});

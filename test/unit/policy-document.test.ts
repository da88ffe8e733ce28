import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../core/config';
import { parsePolicyBook } from '../../core/policy-document';
import { PolicyError } from '../../core/policy';
import { klaxon } from '../support/processes';

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
      levels: [{ targets: [{ schedule: 'follow-the-sun' }] }, { targets: ['alice', 'bob'], timeoutMinutes: 10 }],
      schedules: [{ name: 'follow-the-sun', layers: [{ name: 'emea' }, { name: 'americas' }, { name: 'apac' }] }],
    });
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
    expect(ok.stdout).toContain('policy "platform-on-call" is valid: 4 responder(s), 2 level(s), the ladder runs 3 time(s)');
    const refused = await klaxon(['policy', 'validate', join(__dirname, '../fixtures/rules.yaml')], process.env).catch((e: { code: number; stderr: string }) => e);
    expect(refused).toMatchObject({ code: 1, stderr: expect.stringMatching(/rules\.yaml:\d+:\d+: /) });
  });
});

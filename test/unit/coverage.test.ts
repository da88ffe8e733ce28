import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { coverageGaps, CoverageError, describeGap, type CoverageGap } from '../../core/oncall/coverage';
import { onCallAt, ScheduleError, validateSchedule, type Layer } from '../../core/escalation/schedule';
import { validatePolicy, type Policy } from '../../core/policy/policy';
import { withLiveRoster, type RuntimeOverride } from '../../core/oncall/runtime-override';
import { runCli } from '../../client/cli/dispatch';
import { handoffMessage } from '../../core/oncall/handoff-message';
import { nextHandoff } from '../../core/oncall/handoff';
import { FindingsError } from '../../client/cli/errors';
import { klaxon } from '../support/processes';

const at = (iso: string) => Date.parse(iso);
/** Berlin's day shift, 08:00 to 20:00 local, alice and then dana a week each. */
const dayShift: Layer = { name: 'day', members: ['alice', 'dana'], zone: 'Europe/Berlin', start: '2026-01-05T08:00', turn: { weeks: 1 }, hours: { from: '08:00', to: '20:00' } };

function policy(layers: Layer[], extra: Partial<Policy> = {}): Policy {
  return validatePolicy({
    name: 'ops',
    responders: [
      { name: 'alice', slackUserId: 'U0ALICE', timeZone: 'Europe/Berlin' },
      { name: 'dana', email: 'dana@example.com', timeZone: 'Europe/Berlin' },
      { name: 'bob', slackUserId: 'U0BOB', timeZone: 'America/New_York' },
      // No Slack id, PagerDuty service nor e-mail: nothing can page carol.
      { name: 'carol', timeZone: 'Asia/Kolkata' },
    ],
    schedules: [{ name: 'primary', layers, overrides: [] }],
    levels: [{ targets: [{ schedule: 'primary' }], timeoutMinutes: 5 }],
    repeat: 0,
    autoResolve: false,
    ...extra,
  });
}

const override = (o: Partial<RuntimeOverride> & Pick<RuntimeOverride, 'responder' | 'from' | 'to'>): RuntimeOverride => ({
  id: `ovr-${o.responder}`,
  policy: 'ops',
  schedule: 'primary',
  reason: 'test',
  by: 'lead',
  createdAt: '2026-03-01T00:00:00.000Z',
  ...o,
});

const spans = (gaps: CoverageGap[], kind: CoverageGap['kind']) => gaps.filter((g) => g.kind === kind).map((g) => [g.from, g.to]);

describe('coverage gaps', () => {
  it('follow the local hours of a follow-the-sun layer across the spring-forward night', () => {
    const gaps = coverageGaps(policy([dayShift]), [], at('2026-03-28T12:00:00Z'), 2);
    // 20:00 CET is 19:00Z; 08:00 CEST (after the change) is 06:00Z, 20:00 CEST 18:00Z.
    expect(spans(gaps, 'nobody-on-call')).toEqual([
      ['2026-03-28T19:00:00.000Z', '2026-03-29T06:00:00.000Z'],
      ['2026-03-29T18:00:00.000Z', '2026-03-30T06:00:00.000Z'],
    ]);
    expect(gaps[0]).toMatchObject({ policy: 'ops', level: 1, schedule: 'primary', message: 'level 1 of policy "ops" would page nobody: schedule primary has nobody on call' });
    expect(describeGap(gaps[0], 'America/New_York')).toBe(
      '2026-03-28 15:00:00 -04:00 (America/New_York) to 2026-03-29 02:00:00 -04:00 (America/New_York): level 1 of policy "ops" would page nobody: schedule primary has nobody on call',
    );
  });

  it('close where a second layer covers the night, and the hand-off between layers leaves no hole', () => {
    const night: Layer = { name: 'night', members: ['bob'], zone: 'America/New_York', start: '2026-01-05T14:00', turn: { weeks: 1 }, hours: { from: '14:00', to: '03:00' } };
    expect(coverageGaps(policy([dayShift, night]), [], at('2026-03-25T00:00:00Z'), 14)).toEqual([]);
  });

  it('name a layer that ends, and the nobody-on-call it leaves when no other layer takes over', () => {
    const ending: Layer = { name: 'retiring', members: ['alice'], zone: 'Europe/Berlin', start: '2026-01-05T09:00', turn: { weeks: 1 }, end: '2026-03-29T08:00' };
    const alone = coverageGaps(policy([ending]), [], at('2026-03-28T00:00:00Z'), 3);
    expect(alone.map((g) => [g.kind, g.from, g.to])).toEqual([
      ['nobody-on-call', '2026-03-29T06:00:00.000Z', '2026-03-31T00:00:00.000Z'],
      ['layer-ending', '2026-03-29T06:00:00.000Z', '2026-03-31T00:00:00.000Z'],
    ]);
    expect(alone[1]).toMatchObject({ schedule: 'primary', layer: 'retiring', message: 'layer "retiring" of schedule primary (policy "ops") ends (2026-03-29T08:00 Europe/Berlin) and covers nothing after' });
    // Under a layer that goes on, the ending is still named: the rotation changes.
    const under: Layer = { name: 'base', members: ['bob'], zone: 'UTC', start: '2026-01-05T00:00', turn: { days: 1 } };
    expect(coverageGaps(policy([under, ending]), [], at('2026-03-28T00:00:00Z'), 3).map((g) => g.kind)).toEqual(['layer-ending']);
    // An end outside the horizon is no gap of this horizon.
    expect(coverageGaps(policy([under, ending]), [], at('2026-03-30T00:00:00Z'), 3)).toEqual([]);
  });

  it('are filled by a run-time override and opened by a swap to someone with no channel; a cancelled override does nothing', () => {
    const from = at('2026-03-28T12:00:00Z');
    const fills = override({ responder: 'bob', from: '2026-03-28T19:00:00.000Z', to: '2026-03-29T06:00:00.000Z' });
    expect(spans(coverageGaps(policy([dayShift]), [fills], from, 2), 'nobody-on-call')).toEqual([['2026-03-29T18:00:00.000Z', '2026-03-30T06:00:00.000Z']]);
    expect(spans(coverageGaps(policy([dayShift]), [{ ...fills, cancelledAt: '2026-03-27T00:00:00.000Z' }], from, 2), 'nobody-on-call')).toHaveLength(2);
    // dana's week (from 2026-03-23 08:00): the swap hands her Sunday morning to carol.
    const swap = override({ responder: 'carol', replaces: 'dana', from: '2026-03-29T08:00:00.000Z', to: '2026-03-29T12:00:00.000Z' });
    const gaps = coverageGaps(policy([dayShift]), [swap], from, 2);
    expect(gaps.filter((g) => g.from === '2026-03-29T08:00:00.000Z').map((g) => [g.kind, g.to, g.message])).toEqual([
      ['nobody-on-call', '2026-03-29T12:00:00.000Z', 'level 1 of policy "ops" would page nobody: schedule primary has carol on call, who has no channel'],
      ['unreachable', '2026-03-29T12:00:00.000Z', expect.stringContaining('level 1 of policy "ops" may page carol (on call for schedule primary), who has no channel')],
    ]);
    // An override of another policy's schedule of the same name does not reach this one.
    expect(coverageGaps(policy([dayShift]), [{ ...swap, policy: 'other' }], from, 2).filter((g) => g.kind === 'unreachable')).toEqual([]);
  });

  it('set level conditions aside, count a channel as always there, and check teams and the exhausted targets', () => {
    const always: Layer = { name: 'always', members: ['alice'], zone: 'UTC', start: '2026-01-05T00:00', turn: { weeks: 1 } };
    const p = policy([always], {
      teams: [{ name: 'night-owls', members: ['carol'] }],
      levels: [
        { targets: [{ schedule: 'primary' }], timeoutMinutes: 5 },
        { targets: [{ team: 'night-owls' }], timeoutMinutes: 5, when: { severity: ['SEV1'] } },
        { targets: ['carol', { slackChannel: 'C0OPS' }], timeoutMinutes: 5 },
      ],
      exhausted: ['carol'],
    });
    const gaps = coverageGaps(p, [], at('2026-06-01T00:00:00Z'), 1);
    expect(gaps.map((g) => [g.kind, g.level, g.responder ?? null, g.from, g.to])).toEqual([
      ['nobody-on-call', 2, null, '2026-06-01T00:00:00.000Z', '2026-06-02T00:00:00.000Z'],
      ['nobody-on-call', 'exhausted', null, '2026-06-01T00:00:00.000Z', '2026-06-02T00:00:00.000Z'],
      ['unreachable', 2, 'carol', '2026-06-01T00:00:00.000Z', '2026-06-02T00:00:00.000Z'],
      ['unreachable', 3, 'carol', '2026-06-01T00:00:00.000Z', '2026-06-02T00:00:00.000Z'],
      ['unreachable', 'exhausted', 'carol', '2026-06-01T00:00:00.000Z', '2026-06-02T00:00:00.000Z'],
    ]);
    expect(gaps[0].message).toBe('level 2 of policy "ops" would page nobody: nobody of team night-owls has a channel');
    expect(gaps[1].message).toBe('the exhausted targets of policy "ops" would page nobody: carol has no channel');
  });

  it('look 1 to 90 whole days ahead, no more', () => {
    for (const days of [0, 91, 1.5, Number.NaN]) expect(() => coverageGaps(policy([dayShift]), [], 0, days)).toThrow(CoverageError);
    expect(coverageGaps(policy([dayShift]), [], at('2026-01-01T00:00:00Z'), 90)).toHaveLength(91);
  });

  it('hold exactly the instants where the live roster has nobody on call (property)', () => {
    const layer = fc.record({
      name: fc.constantFrom('a', 'b', 'c'),
      members: fc.constant(['alice', 'bob'] as string[]),
      zone: fc.constantFrom('Europe/Berlin', 'America/New_York', 'Asia/Kolkata', 'Australia/Lord_Howe'),
      start: fc.constantFrom('2025-11-03T09:00', '2025-12-01T02:30', '2025-12-20T23:00'),
      turn: fc.constantFrom({ days: 1 }, { weeks: 1 }, { hours: 12 }),
      hours: fc.option(fc.constantFrom({ from: '09:00', to: '17:00' }, { from: '22:00', to: '06:00' }), { nil: undefined }),
      end: fc.option(fc.constantFrom('2026-03-29T02:30', '2026-11-01T01:30'), { nil: undefined }),
    });
    fc.assert(
      fc.property(
        fc.array(layer, { minLength: 1, maxLength: 3 }),
        fc.constantFrom('2026-03-27T00:00:00Z', '2026-10-30T00:00:00Z'),
        fc.array(fc.integer({ min: 0, max: 4 * 86_400_000 - 1 }), { minLength: 1, maxLength: 20 }),
        fc.option(fc.integer({ min: 0, max: 3 * 86_400_000 }), { nil: undefined }),
        (layers, start, offsets, overrideAt) => {
          const from = at(start);
          const overrides = overrideAt === undefined ? [] : [override({ responder: 'bob', from: new Date(from + overrideAt).toISOString(), to: new Date(from + overrideAt + 5 * 3_600_000).toISOString() })];
          const p = policy(layers);
          const gaps = coverageGaps(p, overrides, from, 4).filter((g) => g.kind === 'nobody-on-call');
          const schedule = withLiveRoster(p, overrides).schedules![0];
          for (const offset of offsets) {
            const t = from + offset;
            const inGap = gaps.some((g) => at(g.from) <= t && t < at(g.to));
            expect({ t: new Date(t).toISOString(), inGap }).toEqual({ t: new Date(t).toISOString(), inGap: onCallAt(schedule, t).responder === undefined });
          }
        },
      ),
      { numRuns: 80 },
    );
  });
});

describe('a hand-off message', () => {
  it('names the shift start in the responder\'s zone and lists the incidents inherited, escaped for Slack', () => {
    const m = handoffMessage({ policy: 'ops', schedule: 'primary', shiftStart: '2026-11-01T06:30:00.000Z', zone: 'America/New_York', incidents: [{ incidentId: 'inc-1', severity: 'SEV1', title: 'Leak <!channel> & more' }] });
    expect(m.text).toBe('Hand-off: your shift on primary starts 2026-11-01 01:30:00 -05:00 (America/New_York)');
    expect(JSON.stringify(m.blocks)).toContain('*Open incidents you inherit (1):*\\n• SEV1 Leak &lt;!channel&gt; &amp; more (inc-1)');
  });

  it('finds the next hand-off to someone, not a shift end into nobody', () => {
    const layer: Layer = { ...dayShift, members: ['alice', 'dana'] };
    expect(nextHandoff({ name: 'p', layers: [layer], overrides: [] }, at('2026-03-28T12:00:00Z'))).toEqual({ at: at('2026-03-29T06:00:00Z'), responder: 'dana' });
  });
});

describe('a layer end', () => {
  it('must be a local date-time after the layer starts', () => {
    expect(() => validateSchedule({ name: 's', layers: [{ ...dayShift, end: '2025-12-31T00:00' }], overrides: [] })).toThrow(new ScheduleError('schedule "s": layer 1 "day": end "2025-12-31T00:00" is not a local date-time after start'));
    expect(() => validateSchedule({ name: 's', layers: [{ ...dayShift, end: 'soon' }], overrides: [] })).toThrow(/end "soon" is not a local date-time/);
  });
});

describe('klaxon policy validate and klaxon coverage', () => {
  const dir = mkdtempSync(join(tmpdir(), 'klaxon-coverage-'));
  const file = join(dir, 'policy.yaml');
  // The schedule's only layer ended long ago: every horizon, whatever today is, is one gap.
  writeFileSync(
    file,
    [
      'name: ops',
      'responders: [{ name: alice, slackUserId: U0ALICE, timeZone: Europe/Berlin }]',
      'schedules:',
      "  - { name: primary, layers: [{ name: day, members: [alice], zone: Europe/Berlin, start: '2026-01-05T08:00', turn: { weeks: 1 }, end: '2026-01-12T08:00' }] }",
      'levels: [{ targets: [{ schedule: primary }], timeoutMinutes: 5 }]',
      'repeat: 0',
      'autoResolve: false',
    ].join('\n'),
  );
  const failure = (p: Promise<unknown>): Promise<Error> =>
    p.then(
      () => {
        throw new Error('expected a refusal');
      },
      (err: Error) => err,
    );

  it('validate refuses a file whose coverage has a gap, naming it in the reader\'s zone; --allow-gaps warns instead', async () => {
    const refused = await failure(runCli(['policy', 'validate', file, '--coverage-days', '2', '--tz', 'Europe/Berlin'], {}));
    expect(refused.message.split('\n')).toEqual([
      `${file}: 1 coverage gap(s) in the next 2 day(s) (--allow-gaps accepts them with a warning):`,
      expect.stringMatching(new RegExp(`^${file}: coverage gap \\(nobody-on-call\\) \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d \\+0[12]:00 \\(Europe/Berlin\\) to .* \\(Europe/Berlin\\): level 1 of policy "ops" would page nobody: schedule primary has nobody on call$`)),
    ]);
    const warned = await runCli(['policy', 'validate', file, '--coverage-days', '1', '--allow-gaps', '--tz', 'UTC'], {});
    expect(warned).toMatch(/^.*policy "ops" is valid.*\nwarning: .*coverage gap \(nobody-on-call\)/);
    const bad = await failure(runCli(['policy', 'validate', file, '--coverage-days', '91'], {}));
    expect([bad.name, bad.message.split('\n')[0]]).toEqual(['UsageError', '--coverage-days "91" must be a whole number of days from 1 to 90']);
  });

  it('coverage lists the gaps of the policies in force and fails so that a monitoring script notices', async () => {
    const env = { KLAXON_POLICY_FILE: file, KLAXON_DATA_DIR: '/nonexistent' };
    const found = await failure(runCli(['coverage', '--days', '1', '--tz', 'Asia/Tokyo'], env));
    expect(found).toBeInstanceOf(FindingsError);
    expect((found as FindingsError).output).toMatch(/^Coverage of "ops" over 1 day\(s\), (\S+ \S+ \+09:00) \(Asia\/Tokyo\) to (\S+ \S+ \+09:00) \(Asia\/Tokyo\): 1 gap\(s\)\n {2}nobody-on-call +\1 \(Asia\/Tokyo\) to \2 \(Asia\/Tokyo\): level 1 of policy "ops" would page nobody: schedule primary has nobody on call$/);
    const unknown = await failure(runCli(['coverage', '--policy', 'nope'], env));
    expect([unknown.name, unknown.message.split('\n')[0]]).toEqual(['UsageError', 'no policy "nope"; the policies: ops']);
    // As a user runs it: the JSON report on stdout, and exit status 1.
    const run = await klaxon(['coverage', '--days', '3', '--json'], { ...process.env, ...env, DATABASE_URL: '' }).then(
      () => {
        throw new Error('expected exit 1');
      },
      (e: { code: number; stdout: string }) => e,
    );
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as { days: number; gaps: CoverageGap[] };
    expect(report.days).toBe(3);
    expect(report.gaps.map((g) => [g.kind, g.from, g.to])).toEqual([['nobody-on-call', expect.any(String), expect.any(String)]]);
    expect(Date.parse(report.gaps[0].to) - Date.parse(report.gaps[0].from)).toBe(3 * 86_400_000);
  });
});

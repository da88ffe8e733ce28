import { DateTime } from 'luxon';
import { Incident } from '../../core/incident/incident';
import type { IncidentEvent } from '../../core/incident/incident';
import { validatePolicy, type Policy } from '../../core/policy/policy';
import { simulate } from '../../core/policy/simulation';
import { sampleAlert } from '../support/samples';

/**
 * The ladder's rules through `simulate`, which drives an incident with the same
 * `Incident.step` as the workflow: conditions, teams, channels, round-robin, reachability,
 * re-triggers, and the local times each step fires at across DST and odd offsets.
 */
const people = [
  { name: 'alice', slackUserId: 'U0ALICE', timeZone: 'Europe/Berlin' },
  { name: 'bob', slackUserId: 'U0BOB', timeZone: 'America/New_York' },
  { name: 'chandra', slackUserId: 'U0CHANDRA', timeZone: 'Asia/Kolkata' },
  { name: 'hari', slackUserId: 'U0HARI', timeZone: 'Asia/Kathmandu' },
  { name: 'lucy', slackUserId: 'U0LUCY', timeZone: 'Australia/Lord_Howe' },
  { name: 'nobody', timeZone: 'UTC' },
];

function policyWith(over: Partial<Policy>): Policy {
  return validatePolicy({ name: 'test', responders: people, levels: [{ targets: ['alice'], timeoutMinutes: 10 }], repeat: 0, autoResolve: false, ...over });
}

const paged = (events: IncidentEvent[]) => events.filter((e) => e.kind === 'responder.paged');
/** Each page as "local time in `zone` → who (level.pass)". */
const pagesIn = (events: IncidentEvent[], zone: string) =>
  paged(events).map((e) => `${DateTime.fromISO(e.at, { zone }).toFormat('yyyy-MM-dd HH:mm ZZ')} ${e.payload.responder} L${e.payload.level}.${e.payload.pass}`);
const utc = (local: string, zone: string) => DateTime.fromISO(local, { zone }).toUTC().toISO()!;

describe('a ladder crossing a DST change', () => {
  it.each([
    // Spring forward in New York: 01:55 EST, then 03:05 EDT, twenty minutes later.
    ['America/New_York', '2026-03-08T01:55', ['2026-03-08 01:55 -05:00', '2026-03-08 03:05 -04:00', '2026-03-08 03:15 -04:00']],
    // Fall back: 01:55 EDT, then 01:05 EST (the hour repeats).
    ['America/New_York', '2026-11-01T01:55-04:00', ['2026-11-01 01:55 -04:00', '2026-11-01 01:05 -05:00', '2026-11-01 01:15 -05:00']],
    ['Europe/Berlin', '2026-03-29T01:55', ['2026-03-29 01:55 +01:00', '2026-03-29 03:05 +02:00', '2026-03-29 03:15 +02:00']],
    ['Europe/Berlin', '2026-10-25T02:55+02:00', ['2026-10-25 02:55 +02:00', '2026-10-25 02:05 +01:00', '2026-10-25 02:15 +01:00']],
    // Lord Howe moves by half an hour: +11:00 → +10:30 at 02:00 on 2026-04-05.
    ['Australia/Lord_Howe', '2026-04-05T01:55', ['2026-04-05 01:55 +11:00', '2026-04-05 01:35 +10:30', '2026-04-05 01:45 +10:30']],
    ['Asia/Kolkata', '2026-06-01T23:55', ['2026-06-01 23:55 +05:30', '2026-06-02 00:05 +05:30', '2026-06-02 00:15 +05:30']],
    ['Asia/Kathmandu', '2026-06-01T23:55', ['2026-06-01 23:55 +05:45', '2026-06-02 00:05 +05:45', '2026-06-02 00:15 +05:45']],
  ])('in %s from %s, each level after exactly its elapsed timeout', (zone, start, expected) => {
    const policy = policyWith({ levels: [{ targets: ['alice'], timeoutMinutes: 10 }, { targets: ['bob'], timeoutMinutes: 10 }, { targets: ['chandra'], timeoutMinutes: 10 }] });
    const { events } = simulate({ policy, alert: sampleAlert(), at: utc(start, zone) });
    // The timeout is elapsed time: across a fall-back the wall clock shows an earlier hour.
    expect(pagesIn(events, zone).map((p) => p.slice(0, 23))).toEqual(expected);
  });
});

describe('level conditions', () => {
  const officeHours = policyWith({
    levels: [
      { targets: ['alice', 'bob'], timeoutMinutes: 10, when: { businessHours: 'target' } },
      { targets: ['chandra'], timeoutMinutes: 10 },
    ],
  });
  const firstPages = (at: string) => paged(simulate({ policy: officeHours, alert: sampleAlert(), at }).events).filter((e) => e.payload.level === 1).map((e) => e.payload.responder);

  it('page a target only inside their own business hours, to the minute, across DST', () => {
    // Friday 2026-03-27: 17:00 in Berlin ends alice's day (16:00 UTC, CET); bob's day runs on.
    expect(firstPages(utc('2026-03-27T16:59', 'Europe/Berlin'))).toEqual(['alice', 'bob']);
    expect(firstPages(utc('2026-03-27T17:00', 'Europe/Berlin'))).toEqual(['bob']);
    // Monday 2026-03-30, after Berlin's spring forward: 09:00 CEST is 07:00 UTC.
    expect(firstPages('2026-03-30T06:59:00Z')).toEqual([]);
    expect(firstPages('2026-03-30T07:00:00Z')).toEqual(['alice']);
    // Monday 2026-03-09, after New York's: 09:00 EDT is 13:00 UTC; Berlin is at 14:00.
    expect(firstPages('2026-03-09T12:59:00Z')).toEqual(['alice']);
    expect(firstPages('2026-03-09T13:00:00Z')).toEqual(['alice', 'bob']);
  });

  it('record each target outside its hours, and skip to the next level at once when none is in', () => {
    const saturday = '2026-03-28T12:00:00.000Z';
    const { events } = simulate({ policy: officeHours, alert: sampleAlert(), at: saturday });
    expect(events.filter((e) => e.kind === 'target.outside_hours').map((e) => e.payload.reason)).toEqual([
      'outside business hours in Europe/Berlin',
      'outside business hours in America/New_York',
    ]);
    expect(events.find((e) => e.kind === 'level.skipped')).toMatchObject({ at: saturday, payload: { level: 1, reason: 'nobody to page (alice outside business hours in Europe/Berlin; bob outside business hours in America/New_York)' } });
    expect(pagesIn(events, 'UTC')).toEqual(['2026-03-28 12:00 +00:00 chandra L2.1']);
  });

  it('skip a level in quiet hours of a named zone, and by severity or data category', () => {
    const policy = policyWith({
      quietHours: { days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], from: '22:00', to: '07:00' },
      levels: [
        { targets: ['alice'], timeoutMinutes: 10, when: { outsideQuietHours: 'Europe/Berlin' } },
        { targets: ['bob'], timeoutMinutes: 10, when: { severity: ['SEV1'] } },
        { targets: ['chandra'], timeoutMinutes: 10, when: { dataCategories: ['credentials', 'health'] } },
        { targets: ['lucy'], timeoutMinutes: 10 },
      ],
    });
    // 23:30 in Berlin (CET) on a Tuesday night; a SEV2 involving personal data only.
    const { events } = simulate({ policy, alert: sampleAlert(), at: '2026-11-24T22:30:00Z' });
    expect(events.filter((e) => e.kind === 'level.skipped').map((e) => `${e.payload.level}: ${e.payload.reason}`)).toEqual([
      '1: inside quiet hours in Europe/Berlin',
      '2: applies to SEV1, the incident is SEV2',
      '3: applies to data categories credentials, health, the incident involves personal-data',
    ]);
    expect(pagesIn(events, 'UTC')).toEqual(['2026-11-24 22:30 +00:00 lucy L4.1']);
    // Quiet hours over midnight belong to the day they open: 06:59 Wednesday is still Tuesday night's.
    expect(paged(simulate({ policy, alert: sampleAlert({ severity: 'SEV1' }), at: '2026-11-25T05:59:00Z' }).events)[0].payload.responder).toBe('bob');
    expect(paged(simulate({ policy, alert: sampleAlert(), at: '2026-11-25T06:00:00Z' }).events)[0].payload.responder).toBe('alice');
  });
});

describe('targets', () => {
  it('page every member of a team, a Slack channel, and whoever a schedule override names', () => {
    const policy = policyWith({
      teams: [{ name: 'security', members: ['bob', 'chandra'] }],
      schedules: [
        {
          name: 'primary',
          // Hand-off at midnight in Berlin; hari covers the night of 2026-12-24 by override.
          layers: [{ name: 'daily', members: ['alice', 'lucy'], zone: 'Europe/Berlin', start: '2026-12-01T00:00', turn: { days: 1 } }],
          overrides: [{ responder: 'hari', from: '2026-12-24T20:00:00Z', to: '2026-12-25T06:00:00Z' }],
        },
      ],
      levels: [{ targets: [{ schedule: 'primary' }, { team: 'security' }, { slackChannel: 'C0SECURITY' }], timeoutMinutes: 10 }],
    });
    const at = (iso: string) => paged(simulate({ policy, alert: sampleAlert(), at: iso }).events).map((e) => e.payload.responder);
    expect(at('2026-12-24T22:59:00Z')).toEqual(['hari', 'bob', 'chandra', '#C0SECURITY']);
    expect(at('2026-12-25T06:00:00Z')).toEqual(['alice', 'bob', 'chandra', '#C0SECURITY']);
    // 2026-12-25 is turn 24 from the first hand-off: alice; the midnight hand-off makes the 26th lucy's.
    expect(at(utc('2026-12-25T23:59', 'Europe/Berlin'))[0]).toBe('alice');
    expect(at(utc('2026-12-26T00:00', 'Europe/Berlin'))[0]).toBe('lucy');
    const channelPage = paged(simulate({ policy, alert: sampleAlert(), at: '2026-12-01T12:00:00Z' }).events).at(-1)!;
    expect(channelPage.payload).toMatchObject({ slackChannel: 'C0SECURITY' });
  });

  it('never skip a responder without a channel silently: the level records why and escalates at once', () => {
    const policy = policyWith({ levels: [{ targets: ['nobody'], timeoutMinutes: 30 }, { targets: ['bob'], timeoutMinutes: 10 }] });
    const { events } = simulate({ policy, alert: sampleAlert(), at: '2026-11-24T10:00:00Z' });
    expect(events.find((e) => e.kind === 'target.unreachable')?.payload).toMatchObject({ level: 1, target: 'nobody', reason: 'no channel: the responder has no Slack user id, PagerDuty service or email' });
    expect(pagesIn(events, 'UTC')).toEqual(['2026-11-24 10:00 +00:00 bob L2.1']);
  });

  it('take turns in a round-robin level: per pass, and from a different member per incident', () => {
    const policy = policyWith({ levels: [{ targets: ['alice', 'bob', 'chandra'], timeoutMinutes: 10, roundRobin: true }], repeat: 5 });
    const turns = (dedupKey: string) => paged(simulate({ policy, alert: sampleAlert({ dedupKey }), at: '2026-11-24T10:00:00Z' }).events).map((e) => String(e.payload.responder));
    const one = turns('k1');
    expect(one).toHaveLength(6);
    // Each pass pages the next member, so every member is paged twice over six passes.
    for (const name of ['alice', 'bob', 'chandra']) expect(one.filter((n) => n === name)).toHaveLength(2);
    expect(one.slice(3)).toEqual(one.slice(0, 3));
    const firsts = new Set(Array.from({ length: 30 }, (_, i) => turns(`key-${i}`)[0]));
    expect(firsts).toEqual(new Set(['alice', 'bob', 'chandra']));
  });

  it('page the exhausted targets once when nobody acknowledged the whole ladder', () => {
    const policy = policyWith({ levels: [{ targets: ['alice'], timeoutMinutes: 10 }], repeat: 1, exhausted: [{ slackChannel: 'C0SECURITY' }, 'bob'] });
    const { events, state } = simulate({ policy, alert: sampleAlert(), at: '2026-11-24T10:00:00Z' });
    expect(pagesIn(events, 'UTC')).toEqual(['2026-11-24 10:00 +00:00 alice L1.1', '2026-11-24 10:10 +00:00 alice L1.2', '2026-11-24 10:20 +00:00 #C0SECURITY L1.2', '2026-11-24 10:20 +00:00 bob L1.2']);
    expect(state.ladderExhausted).toBe(true);
  });
});

describe('acknowledgement and what follows', () => {
  const ladder = policyWith({ levels: [{ targets: ['alice'], timeoutMinutes: 10 }, { targets: ['bob'], timeoutMinutes: 10 }], repeat: 1 });
  const T = '2026-11-24T10:00:00.000Z';
  const minutes = (n: number) => new Date(Date.parse(T) + n * 60_000).toISOString();

  it.each([
    [5, 'alice', 1],
    [15, 'bob', 2],
    [25, 'alice', 3],
    [35, 'bob', 4],
    [45, 'bob', 4],
  ])('stops every later page when acknowledged %i minutes in', (at, by, pagesBefore) => {
    const { events, state } = simulate({ policy: ladder, alert: sampleAlert(), at: T, ackAt: minutes(at) });
    expect(paged(events)).toHaveLength(pagesBefore);
    expect(state).toMatchObject({ status: 'acknowledged', acknowledgedBy: by, acknowledgedAt: minutes(at) });
    expect(state.nextStep).toBeUndefined();
  });

  it('re-triggers from level 1 when an acknowledgement lapses without resolution', () => {
    const { events, state } = simulate({ policy: { ...ladder, ackTimeoutMinutes: 60 }, alert: sampleAlert(), at: T, ackAt: minutes(3), horizonHours: 2 });
    expect(events.find((e) => e.kind === 'incident.retriggered')).toMatchObject({ at: minutes(63), payload: { from: 'acknowledged', trigger: 2, resumesAt: 'first level' } });
    expect(pagesIn(events, 'UTC')).toEqual(['2026-11-24 10:00 +00:00 alice L1.1', '2026-11-24 11:03 +00:00 alice L1.1', '2026-11-24 11:13 +00:00 bob L2.1', '2026-11-24 11:23 +00:00 alice L1.2', '2026-11-24 11:33 +00:00 bob L2.2']);
    expect(state.acks).toEqual([{ by: 'alice', at: minutes(3), via: 'api' }]);
  });
});

describe('snooze, reassign and re-pin', () => {
  const T = '2026-11-24T10:00:00.000Z';
  const later = (n: number) => new Date(Date.parse(T) + n * 60_000).toISOString();
  const ladder = policyWith({ levels: [{ targets: ['alice'], timeoutMinutes: 10 }, { targets: ['bob'], timeoutMinutes: 10 }], maxSnoozeMinutes: 60 });
  const alice = { responder: 'alice', via: 'cli' } as const;
  const open = () => {
    const inc = Incident.open('inc-1', ladder, sampleAlert(), T);
    inc.step(T);
    return inc;
  };

  it('snoozes for a bounded time, then pages the same level again', () => {
    const inc = open();
    expect(() => inc.validateSnooze(alice, 61)).toThrow('a snooze lasts 1 to 60 whole minutes under policy "test", not 61');
    inc.snooze(alice, 30, later(2));
    expect(inc.step(later(12))).toEqual({ kind: 'wait', until: Date.parse(later(32)) });
    expect(inc.snapshot().nextStep).toMatchObject({ at: later(32), action: 'the snooze ends: level 1 is paged again', local: { alice: '2026-11-24 11:32:00 +01:00 (Europe/Berlin)' } });
    const step = inc.step(later(32));
    expect(step).toMatchObject({ kind: 'page', level: 1, pages: [{ key: 't2.1.1.alice' }] });
    expect(inc.step(later(42))).toMatchObject({ kind: 'page', level: 2 });
  });

  it('reassigns to a person who is paged at once, even after an acknowledgement', () => {
    const inc = open();
    inc.acknowledge(alice, later(1));
    expect(() => inc.validateReassign(alice, 'nobody')).toThrow('nobody has no channel Klaxon can page');
    expect(() => inc.validateReassign(alice, 'mallory')).toThrow('mallory is not a responder');
    inc.reassign(alice, 'chandra', later(2));
    expect(inc.snapshot()).toMatchObject({ status: 'triggered', assignedTo: 'chandra' });
    expect(inc.step(later(2))).toMatchObject({ kind: 'page', level: 1, pages: [{ recipient: { name: 'chandra' } }] });
    expect(inc.step(later(5))).toEqual({ kind: 'wait', until: Date.parse(later(12)) });
    expect(inc.takeEvents().find((e) => e.kind === 'incident.reassigned')).toMatchObject({ actor: { name: 'alice' }, payload: { to: 'chandra', from: 'alice' } });
  });

  it('re-pins a valid policy, recorded with both hashes, and refuses a broken one', () => {
    const inc = open();
    const edited = { ...ladder, name: 'test-v2', hash: 'b'.repeat(64), levels: [{ targets: ['bob'], timeoutMinutes: 5 }], repeat: 1 };
    expect(() => inc.validateRepin(alice, { ...edited, levels: [] })).toThrow('policy "test-v2" is not valid: the policy has no escalation level');
    inc.repin(alice, edited, later(1));
    expect(inc.takeEvents().at(-1)).toMatchObject({ kind: 'policy.repinned', payload: { from: { policy: 'test' }, to: { policy: 'test-v2', policyHash: 'b'.repeat(64) } } });
    // The running level keeps its deadline; the next step follows the new policy.
    expect(inc.step(later(10))).toMatchObject({ kind: 'page', level: 1, pass: 2, pages: [{ recipient: { name: 'bob' } }] });
  });
});

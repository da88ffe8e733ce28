import fc from 'fast-check';
import { DateTime } from 'luxon';
import { covers, handoff, onCallAt, ScheduleError, timeline, turnAt, validateSchedule, type Layer, type Schedule } from '../../core/escalation/schedule';

const daily = (zone: string, start: string, members = ['ana', 'ben', 'cho']): Layer => ({ name: `daily ${zone}`, members, zone, start, turn: { days: 1 } });
const single = (layer: Layer): Schedule => ({ name: 's', layers: [layer], overrides: [] });
const ms = (iso: string, zone: string) => DateTime.fromISO(iso, { zone }).toMillis();

/** The local wall-clock time of every hand-off of a layer on a given local date. */
function handoffsOn(layer: Layer, isoDate: string): string[] {
  const from = ms(`${isoDate}T00:00`, layer.zone);
  const to = DateTime.fromMillis(from, { zone: layer.zone }).plus({ days: 1 }).toMillis();
  const out: string[] = [];
  for (let k = turnAt(layer, from - 1) + 1; handoff(layer, k) < to; k++) out.push(DateTime.fromMillis(handoff(layer, k), { zone: layer.zone }).toFormat('HH:mm ZZ'));
  return out;
}

describe('hand-offs keep their local time across DST', () => {
  it.each([
    ['America/New_York', '2026-03-08', '09:00 -04:00'],
    ['America/New_York', '2026-11-01', '09:00 -05:00'],
    ['Europe/Berlin', '2026-03-29', '09:00 +02:00'],
    ['Europe/Berlin', '2026-10-25', '09:00 +01:00'],
    ['Asia/Kolkata', '2026-06-01', '09:00 +05:30'],
    // Lord Howe moves by half an hour: +11:00 in summer, +10:30 from 2026-04-05.
    ['Australia/Lord_Howe', '2026-04-05', '09:00 +10:30'],
    ['Australia/Lord_Howe', '2026-10-04', '09:00 +11:00'],
  ])('%s on %s', (zone, date, expected) => {
    const layer = daily(zone, '2026-01-01T09:00');
    expect(handoffsOn(layer, date)).toEqual([expected]);
    const at = ms(`${date}T09:00`, zone);
    expect(onCallAt(single(layer), at - 1).responder).not.toBe(onCallAt(single(layer), at).responder);
  });

  it('hands off at midnight, and a hand-off inside the spring gap moves to just after it', () => {
    const midnight = { ...daily('America/New_York', '2026-01-05T00:00'), turn: { weeks: 1 } };
    expect(handoffsOn(midnight, '2026-03-09')).toEqual(['00:00 -04:00']);
    // 02:30 does not exist in Berlin on 2026-03-29; the hand-off happens at 03:30 local.
    expect(handoffsOn(daily('Europe/Berlin', '2026-01-01T02:30'), '2026-03-29')).toEqual(['03:30 +02:00']);
    expect(handoffsOn(daily('Europe/Berlin', '2026-01-01T02:30'), '2026-03-30')).toEqual(['02:30 +02:00']);
  });
});

const ZONES = ['America/New_York', 'Europe/Berlin', 'Asia/Kolkata', 'Australia/Lord_Howe', 'UTC', 'Asia/Kathmandu'];
const YEAR_START = Date.UTC(2026, 0, 1);
const YEAR_END = Date.UTC(2027, 0, 1);

const layerArb: fc.Arbitrary<Layer> = fc.record({
  name: fc.constant('layer'),
  members: fc.array(fc.constantFrom('ana', 'ben', 'cho', 'dev', 'eli'), { minLength: 1, maxLength: 5 }),
  zone: fc.constantFrom(...ZONES),
  start: fc.tuple(fc.integer({ min: 1, max: 28 }), fc.integer({ min: 0, max: 23 }), fc.constantFrom(0, 15, 30, 45)).map(
    ([d, h, m]) => `2025-12-${String(d).padStart(2, '0')}T${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`,
  ),
  turn: fc.oneof(
    fc.integer({ min: 1, max: 14 }).map((days) => ({ days })),
    fc.integer({ min: 1, max: 3 }).map((weeks) => ({ weeks })),
    fc.integer({ min: 1, max: 48 }).map((hours) => ({ hours })),
  ),
  hours: fc.option(fc.constantFrom({ from: '09:00', to: '17:00' }, { from: '22:00', to: '06:00' }, { from: '08:30', to: '20:45' }), { nil: undefined }),
});

describe('every instant of 2026', () => {
  it('has exactly one on-call per layer where the layer covers it, the member of the turn in force', () => {
    fc.assert(
      fc.property(layerArb, fc.integer({ min: YEAR_START, max: YEAR_END - 1 }), (layer, at) => {
        const k = turnAt(layer, at);
        expect(handoff(layer, k)).toBeLessThanOrEqual(at);
        expect(handoff(layer, k + 1)).toBeGreaterThan(at);
        const [only] = onCallAt(single(layer), at).layers;
        if (covers(layer, at)) expect(layer.members).toContain(only.responder);
        else expect(only.responder).toBeUndefined();
      }),
      { numRuns: 2000 },
    );
  });

  it('is covered by exactly one shift of the timeline, which names who onCallAt names', () => {
    fc.assert(
      fc.property(fc.array(layerArb, { minLength: 1, maxLength: 3 }), fc.integer({ min: YEAR_START, max: YEAR_END - 8 * 86_400_000 }), fc.integer({ min: 0, max: 7 * 86_400_000 - 1 }), (layers, from, offset) => {
        const schedule: Schedule = { name: 's', layers, overrides: [{ responder: 'zed', from: new Date(from + 3_600_000).toISOString(), to: new Date(from + 7_200_000).toISOString() }] };
        const to = from + 7 * 86_400_000;
        const shifts = timeline(schedule, from, to);
        shifts.forEach((s, i) => expect(s.to).toBe(shifts[i + 1]?.from ?? to));
        expect(shifts[0].from).toBe(from);
        const at = from + offset;
        const containing = shifts.filter((s) => s.from <= at && at < s.to);
        expect(containing).toHaveLength(1);
        expect(containing[0].responder).toBe(onCallAt(schedule, at).responder);
      }),
      { numRuns: 150 },
    );
  });
});

describe('follow-the-sun and overrides', () => {
  const sun: Schedule = {
    name: 'follow the sun',
    layers: [
      { name: 'americas', members: ['ana', 'ben'], zone: 'America/New_York', start: '2026-01-05T09:00', turn: { weeks: 1 }, hours: { from: '09:00', to: '17:00' } },
      { name: 'emea', members: ['cho', 'dev'], zone: 'Europe/Berlin', start: '2026-01-05T09:00', turn: { weeks: 1 }, hours: { from: '09:00', to: '17:00' } },
      { name: 'apac', members: ['eli', 'fay'], zone: 'Asia/Kolkata', start: '2026-01-05T09:00', turn: { weeks: 1 }, hours: { from: '09:00', to: '17:00' } },
    ],
    overrides: [{ responder: 'gus', from: '2026-07-01T10:00:00Z', to: '2026-07-01T12:00:00Z' }],
  };

  it('pages the region whose working hours it is, and an override covers a slot', () => {
    // 2026-07-01 falls in the 26th weekly turn since 2026-01-05 (turn 25): each region's second member.
    expect(onCallAt(sun, Date.parse('2026-07-01T04:00:00Z'))).toMatchObject({ responder: 'fay', via: 'apac' }); // 09:30 in Kolkata
    // 13:30 in Kolkata and 10:00 in Berlin: both cover, and the later layer takes precedence.
    expect(onCallAt(sun, Date.parse('2026-07-01T08:00:00Z'))).toMatchObject({ responder: 'fay', via: 'apac', layers: [{ responder: undefined }, { responder: 'dev' }, { responder: 'fay' }] });
    expect(onCallAt(sun, Date.parse('2026-07-01T12:00:00Z'))).toMatchObject({ responder: 'dev', via: 'emea' }); // 14:00 in Berlin, the override just ended
    expect(onCallAt(sun, Date.parse('2026-07-01T11:00:00Z'))).toMatchObject({ responder: 'gus', via: 'override' });
    expect(onCallAt(sun, Date.parse('2026-07-01T18:00:00Z'))).toMatchObject({ responder: 'ben', via: 'americas' }); // 14:00 in New York
    expect(onCallAt(sun, Date.parse('2026-07-08T18:00:00Z'))).toMatchObject({ responder: 'ana', via: 'americas' }); // the next week
    expect(onCallAt(sun, Date.parse('2026-07-02T02:00:00Z')).responder).toBeUndefined(); // nobody's working hours
  });

  it('a swap takes over only its person\'s turns; the override taken last wins', () => {
    // 2026-07-01 08:00Z: fay (apac) is on call; at 18:00Z ben (americas).
    const swapped: Schedule = { ...sun, overrides: [...sun.overrides, { responder: 'cho', replaces: 'ben', from: '2026-07-01T00:00:00Z', to: '2026-07-02T00:00:00Z' }] };
    expect(onCallAt(swapped, Date.parse('2026-07-01T08:00:00Z'))).toMatchObject({ responder: 'fay', via: 'apac' });
    expect(onCallAt(swapped, Date.parse('2026-07-01T18:00:00Z'))).toMatchObject({ responder: 'cho', via: 'override' });
    const later: Schedule = { ...swapped, overrides: [...swapped.overrides, { responder: 'hal', from: '2026-07-01T17:00:00Z', to: '2026-07-01T19:00:00Z' }] };
    expect(onCallAt(later, Date.parse('2026-07-01T18:00:00Z'))).toMatchObject({ responder: 'hal', via: 'override' });
  });

  it('refuses a schedule that cannot work, naming the layer', () => {
    expect(() => validateSchedule({ name: 'bad', layers: [{ name: 'x', members: [], zone: 'Mars/Base', start: 'soon', turn: {}, hours: { from: '9', to: '17:00' } }], overrides: [] })).toThrow(ScheduleError);
    expect(() => validateSchedule({ name: 'bad', layers: [{ name: 'x', members: [], zone: 'Mars/Base', start: 'soon', turn: {} }], overrides: [] })).toThrow(
      /layer 1 "x": no members; layer 1 "x": "Mars\/Base" is not an IANA time zone; layer 1 "x": turn must be/,
    );
    expect(validateSchedule(sun)).toBe(sun);
  });
});

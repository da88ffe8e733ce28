import { DateTime } from 'luxon';
import ical, { type VEvent } from 'node-ical';
import { scheduleFeed } from '../../client/oncall-feed';
import { validatePolicy } from '../../core/policy/policy';

/** The calendar feed read back by a real parser (node-ical), as a calendar app reads it. */
const policy = validatePolicy({
  name: 'p',
  responders: [
    { name: 'ana', slackUserId: 'U0ANA', timeZone: 'Europe/Berlin' },
    { name: 'ben;\\,"x"\nSUMMARY:evil', slackUserId: 'U0BEN', timeZone: 'Europe/Berlin' },
  ],
  schedules: [{ name: 'berlin', layers: [{ name: 'daily', members: ['ana', 'ben;\\,"x"\nSUMMARY:evil'], zone: 'Europe/Berlin', start: '2026-01-05T09:00', turn: { days: 1 } }], overrides: [] }],
  levels: [{ targets: [{ schedule: 'berlin' }], timeoutMinutes: 10 }],
  repeat: 0,
  autoResolve: false,
});
const events = (text: string) => Object.values(ical.sync.parseICS(text)).filter((c): c is VEvent => c?.type === 'VEVENT');
const berlin = (d: Date) => DateTime.fromJSDate(d, { zone: 'Europe/Berlin' });

it.each([
  ['the March change', '2026-03-25T12:00:00Z'],
  ['the October change', '2026-10-21T12:00:00Z'],
])('keeps a 09:00 Europe/Berlin hand-off at 09:00 local across %s', (_, from) => {
  const parsed = events(scheduleFeed(policy, 'berlin', [], { from: Date.parse(from), weeks: 2 }));
  expect(parsed.length).toBeGreaterThanOrEqual(13);
  // Every hand-off is at 09:00 Berlin, whatever the offset that day (the shift in force at the first instant too).
  for (const e of parsed) expect(berlin(e.start).toFormat('HH:mm')).toBe('09:00');
  const offsets = new Set(parsed.slice(1).map((e) => berlin(e.start).offset));
  expect(offsets.size).toBe(2);
  // A day across the change is 23 or 25 hours long, not 24.
  expect(parsed.slice(1).some((e) => e.end!.getTime() - e.start.getTime() !== 24 * 3_600_000)).toBe(true);
});

it("keeps one person's shifts for a personal feed, and text with iCal's special characters stays text", () => {
  const all = events(scheduleFeed(policy, 'berlin', [], { from: Date.parse('2026-05-04T12:00:00Z'), weeks: 1 }));
  const evil = all.find((e) => String(e.summary).includes('ben'))!;
  expect(evil.summary).toBe('On call: ben;\\,"x"\nSUMMARY:evil (berlin)');
  const mine = events(scheduleFeed(policy, 'berlin', [], { from: Date.parse('2026-05-04T12:00:00Z'), weeks: 1, responder: 'ana' }));
  expect(mine.length).toBeGreaterThan(0);
  expect(mine.every((e) => e.summary === 'On call: ana (berlin)')).toBe(true);
  expect(mine.length).toBeLessThan(all.length);
});

it('shows the shift in force with its real start, and the same UID at every read', () => {
  const read = (at: string) => events(scheduleFeed(policy, 'berlin', [], { from: Date.parse(at), weeks: 1 }));
  const morning = read('2026-05-04T08:00:00Z');
  const noon = read('2026-05-04T10:30:00Z');
  // 2026-05-04 09:00 Berlin is 07:00Z: the shift in force at both reads began then.
  expect(morning[0].start.toISOString()).toBe('2026-05-04T07:00:00.000Z');
  expect(noon[0].start.toISOString()).toBe('2026-05-04T07:00:00.000Z');
  expect(noon[0].uid).toBe(morning[0].uid);
  expect(noon.map((e) => e.uid)).toEqual(morning.map((e) => e.uid));
});

it('finds the real start of a shift that began weeks before the read', () => {
  // Four-week turns: ben's began on 2026-04-29 09:00 Berlin, three weeks before the read.
  const monthly = validatePolicy({ ...policy, schedules: [{ name: 'berlin', layers: [{ name: 'monthly', members: ['ana', 'bob'], zone: 'Europe/Berlin', start: '2026-04-01T09:00', turn: { weeks: 4 } }], overrides: [] }], responders: [...policy.responders, { name: 'bob', slackUserId: 'U0BOB', timeZone: 'Europe/Berlin' }] });
  const [first] = events(scheduleFeed(monthly, 'berlin', [], { from: Date.parse('2026-05-20T12:00:00Z'), weeks: 1 }));
  expect([first.summary, first.start.toISOString()]).toEqual(['On call: bob (berlin)', '2026-04-29T07:00:00.000Z']);
});

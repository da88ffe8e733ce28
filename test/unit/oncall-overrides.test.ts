import fc from 'fast-check';
import { onCallAt, timeline, type Schedule } from '../../core/escalation/schedule';
import { OverrideInputError, overridesFor } from '../../core/oncall/override-input';
import { rosterChange, withLiveRoster, type RuntimeOverride } from '../../core/oncall/runtime-override';
import { whoIsOnCall } from '../../core/oncall/who-is-on-call';
import { validatePolicy, type Policy } from '../../core/policy/policy';
import { simulate } from '../../core/policy/simulation';
import { sampleAlert } from '../support/samples';

/**
 * Run-time overrides and swaps as a responder meets them: what a request may say (and each
 * refusal's reason), who is on call once they apply, inside and across layers and across DST,
 * and `klaxon simulate` paging by them.
 */
const people = ['ana', 'ben', 'cho', 'dev', 'eve'].map((name) => ({ name, slackUserId: `U0${name.toUpperCase()}`, timeZone: 'Europe/Berlin' }));
const schedule: Schedule = {
  name: 'primary',
  layers: [
    // Daily 09:00 Berlin hand-offs between ana and ben; cho covers Berlin evenings on top.
    { name: 'days', members: ['ana', 'ben'], zone: 'Europe/Berlin', start: '2026-01-05T09:00', turn: { days: 1 } },
    { name: 'evenings', members: ['cho'], zone: 'Europe/Berlin', start: '2026-01-05T09:00', turn: { weeks: 1 }, hours: { from: '18:00', to: '22:00' } },
  ],
  overrides: [],
};
const policy: Policy = validatePolicy({
  name: 'p',
  responders: people,
  schedules: [schedule],
  levels: [{ targets: [{ schedule: 'primary' }], timeoutMinutes: 10 }],
  repeat: 0,
  autoResolve: false,
});
const book = { policies: [policy], routes: [] };
const NOW = Date.parse('2026-03-27T10:00:00Z');
let n = 0;
const ctx = { book, now: NOW, by: 'ana', newId: () => `ovr-${++n}` };
const take = (body: Record<string, unknown>) => overridesFor({ schedule: 'primary', reason: 'dentist', ...body }, ctx);
const live = (overrides: RuntimeOverride[]) => withLiveRoster(policy, overrides).schedules![0];
const at = (iso: string) => Date.parse(iso);

describe('refusals, each with its reason', () => {
  it.each([
    [{ responder: 'zed', from: '2026-03-28T09:00Z', until: '2026-03-28T12:00Z' }, /responder "zed" is not a responder of policy "p"/],
    [{ responder: 'dev', schedule: 'nope', from: '2026-03-28T09:00Z', until: '2026-03-28T12:00Z' }, /schedule "nope" is not a schedule/],
    [{ responder: 'dev', policy: 'other', from: '2026-03-28T09:00Z', until: '2026-03-28T12:00Z' }, /policy "other" is not in force/],
    [{ responder: 'dev', from: '2026-03-28T12:00Z', until: '2026-03-28T09:00Z' }, /until must be after from/],
    [{ responder: 'dev', from: '2026-03-20T09:00Z', until: '2026-03-21T09:00Z' }, /already over/],
    [{ responder: 'dev', from: '2026-03-28T09:00Z', until: '2026-07-28T09:00Z' }, /longer than 90 days/],
    [{ responder: 'dev', from: '2026-03-28T09:00', until: '2026-03-28T12:00' }, /has no offset/],
    [{ responder: 'dev', from: '2026-03-28T09:00', until: '2026-03-28T12:00', tz: 'Mars/Olympus' }, /tz "Mars\/Olympus" is not an IANA time zone/],
    [{ responder: 'dev', from: 'soon', until: '2026-03-28T12:00Z' }, /from "soon" is not an ISO date-time/],
    [{ responder: 'dev', from: '2026-03-28T09:00Z', until: '2026-03-28T12:00Z', reason: 'x'.repeat(501) }, /reason is 501 characters long; at most 500/],
    [{ responder: 'dev', from: '2026-03-28T09:00Z', until: '2026-03-28T12:00Z', reason: 'ok\u001b[2J' }, /reason holds the control character U\+001B/],
    [{ responder: 'dev', from: '2026-03-28T09:00Z', until: '2026-03-28T12:00Z', extra: 1 }, /Unrecognized key/],
    [{ responder: 'dev', from: '2026-03-28T09:00Z', until: '2026-03-28T12:00Z', with: 'ana' }, /with is for a swap/],
    [{ kind: 'swap', responder: 'dev', from: '2026-03-28T09:00Z', until: '2026-03-28T12:00Z' }, /with is required for a swap/],
    // eve is in no layer: there are no turns of hers to take.
    [{ kind: 'swap', responder: 'dev', with: 'eve', from: '2026-03-28T09:00Z', until: '2026-03-28T12:00Z' }, /eve is never on call on schedule "primary"/],
    // cho's layer covers 18:00–22:00 Berlin only: a morning swap has nothing of hers.
    [{ kind: 'swap', responder: 'dev', with: 'cho', from: '2026-03-28T09:00+01:00', until: '2026-03-28T12:00+01:00' }, /cho is never on call/],
    [{ kind: 'swap', responder: 'ana', with: 'ben', from: '2026-03-28T09:00Z', until: '2026-03-29T12:00Z', backFrom: '2026-03-30T09:00Z' }, /backFrom and backUntil go together/],
    // A field of another type is named as such, not said to be missing.
    [{ responder: 'dev', from: 1774688400000, until: '2026-03-28T12:00Z' }, /from must be a string, not a number/],
    [{ responder: ['dev'], from: '2026-03-28T09:00Z', until: '2026-03-28T12:00Z' }, /responder must be a string, not an array/],
    [{ responder: 'dev', from: '2026-03-28T09:00Z', until: '2026-03-28T12:00Z', reason: null }, /reason must be a string, not null/],
    // Years a timestamptz, a Date and a calendar do not read alike.
    [{ responder: 'dev', from: '1969-12-31T09:00Z', until: '2026-03-28T12:00Z' }, /from "1969-12-31T09:00Z" is in the year 1969: a time from 1970 to 9999/],
    [{ responder: 'dev', from: '2026-03-28T09:00Z', until: '+012026-03-28T12:00Z' }, /until .* is in the year 12026/],
    [{ responder: 'dev', from: '0001-03-28T09:00', until: '2026-03-28T12:00', tz: 'Europe/Berlin' }, /in the year 1:/],
    // 02:30 does not exist in Berlin on 2026-03-29 (02:00 → 03:00): refused, not moved to 03:30.
    [{ responder: 'dev', from: '2026-03-29T02:30', until: '2026-03-29T12:00', tz: 'Europe/Berlin' }, /from "2026-03-29T02:30" does not exist in Europe\/Berlin: the clocks skip that hour/],
    [{ responder: 'dev', from: '2027-04-28T09:00Z', until: '2027-04-28T12:00Z' }, /from is more than 366 days ahead/],
  ])('%j', (body, reason) => {
    expect(() => take(body)).toThrow(OverrideInputError);
    expect(() => take(body)).toThrow(reason);
  });

  it.each([null, [], 'override', 7])('refuses a body that is not an object (%j), saying what it is', (body) => {
    expect(() => overridesFor(body, ctx)).toThrow(OverrideInputError);
    expect(() => overridesFor(body, ctx)).toThrow(/the body must be a JSON object, not (null|an array|a string|a number)$/);
  });

  it('needs the policy named when two policies have a schedule of that name', () => {
    const twice = { policies: [policy, { ...policy, name: 'q' }], routes: [] };
    expect(() => overridesFor({ schedule: 'primary', responder: 'dev', from: '2026-03-28T09:00Z', until: '2026-03-28T12:00Z', reason: 'r' }, { ...ctx, book: twice })).toThrow(/in policies "p", "q": name one/);
    expect(overridesFor({ policy: 'q', schedule: 'primary', responder: 'dev', from: '2026-03-28T09:00Z', until: '2026-03-28T12:00Z', reason: 'r' }, { ...ctx, book: twice })[0].policy).toBe('q');
  });
});

describe('an override', () => {
  it('reads local times in tz across the spring change, and covers the whole slot whatever the layer', () => {
    // 2026-03-29: Berlin moves from +01:00 to +02:00 at 02:00.
    const [o] = take({ responder: 'dev', from: '2026-03-28T20:00', until: '2026-03-29T10:00', tz: 'Europe/Berlin' });
    expect(o).toMatchObject({ policy: 'p', schedule: 'primary', responder: 'dev', from: '2026-03-28T19:00:00.000Z', to: '2026-03-29T08:00:00.000Z', by: 'ana', reason: 'dentist' });
    const s = live([o]);
    expect(onCallAt(s, at('2026-03-28T19:30:00Z'))).toMatchObject({ responder: 'dev', via: 'override' }); // over cho's evening layer
    expect(onCallAt(s, at('2026-03-29T06:00:00Z'))).toMatchObject({ responder: 'dev', via: 'override' }); // over the days layer
    expect(onCallAt(s, at('2026-03-29T08:00:00Z')).via).toBe('days');
  });

  it('reads an hour-only offset (-01, +05) as an offset, with or without tz', () => {
    for (const tz of [undefined, 'Asia/Tokyo']) {
      const [o] = take({ responder: 'dev', from: '2026-03-28T09:00-01', until: '2026-03-28T17:00+05', ...(tz ? { tz } : {}) });
      expect(o).toMatchObject({ from: '2026-03-28T10:00:00.000Z', to: '2026-03-28T12:00:00.000Z' });
    }
  });

  it('takes one up to 366 days ahead, and a local time right after the spring gap', () => {
    expect(take({ responder: 'dev', from: '2027-03-27T09:00Z', until: '2027-03-27T12:00Z' })).toHaveLength(1);
    expect(take({ responder: 'dev', from: '2026-03-29T03:00', until: '2026-03-29T12:00', tz: 'Europe/Berlin' })[0].from).toBe('2026-03-29T01:00:00.000Z');
  });

  it('keeps the reason redacted, as every free text people type', () => {
    const [o] = take({ responder: 'dev', from: '2026-03-28T09:00Z', until: '2026-03-28T12:00Z', reason: 'call jane.doe@example.com about it' });
    expect(o.reason).not.toContain('jane.doe@example.com');
  });

  it('lets the override taken last win where two overlap, and a cancelled one no longer applies', () => {
    const [first] = take({ responder: 'dev', from: '2026-03-28T09:00Z', until: '2026-03-28T15:00Z' });
    const [second] = take({ responder: 'eve', from: '2026-03-28T11:00Z', until: '2026-03-28T12:00Z' });
    const both = [{ ...first, createdAt: '2026-03-27T10:00:00.000Z' }, { ...second, createdAt: '2026-03-27T10:05:00.000Z' }];
    expect(onCallAt(live(both), at('2026-03-28T11:30:00Z')).responder).toBe('eve');
    expect(onCallAt(live([both[0], { ...both[1], cancelledAt: '2026-03-27T11:00:00.000Z' }]), at('2026-03-28T11:30:00Z')).responder).toBe('dev');
  });
});

describe('a swap', () => {
  it("takes the other person's turns only, and with backFrom/backUntil gives them the responder's turns back", () => {
    // 2026-03-30 09:00 Berlin: ana's or ben's day; the next day the other's.
    const day1 = onCallAt(schedule, at('2026-03-30T08:00:00Z')).responder!;
    const day2 = onCallAt(schedule, at('2026-03-31T08:00:00Z')).responder!;
    expect(day1).not.toBe(day2);
    const halves = take({ kind: 'swap', responder: day2, with: day1, from: '2026-03-30T00:00', until: '2026-03-31T00:00', backFrom: '2026-03-31T00:00', backUntil: '2026-04-01T00:00', tz: 'Europe/Berlin' });
    expect(halves.map((h) => [h.responder, h.replaces])).toEqual([
      [day2, day1],
      [day1, day2],
    ]);
    const s = live(halves);
    expect(onCallAt(s, at('2026-03-30T08:00:00Z')).responder).toBe(day2);
    expect(onCallAt(s, at('2026-03-31T08:00:00Z')).responder).toBe(day1);
    // cho's evening is not part of the swap.
    expect(onCallAt(s, at('2026-03-30T17:00:00Z'))).toMatchObject({ responder: 'cho', via: 'evenings' });
  });

  it('(property) never puts anyone on call where the replaced person was not, and leaves every other instant as it was', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 30 * 24 }), fc.integer({ min: 1, max: 72 }), fc.constantFrom('ana', 'ben', 'cho'), fc.integer({ min: 0, max: 200 }), (startHour, hours, replaced, probe) => {
        const from = at('2026-03-28T00:00:00Z') + startHour * 3_600_000;
        const to = from + hours * 3_600_000;
        if (!timeline(schedule, from, to).some((s) => s.responder === replaced)) return;
        const halves = take({ kind: 'swap', responder: 'dev', with: replaced, from: new Date(from).toISOString(), until: new Date(to).toISOString() });
        const s = live(halves);
        const t = from - 24 * 3_600_000 + probe * 30 * 60_000;
        const before = onCallAt(schedule, t).responder;
        const after = onCallAt(s, t).responder;
        expect(after).toBe(t >= from && t < to && before === replaced ? 'dev' : before);
      }),
      { numRuns: 200 },
    );
  });
});

describe('who is on call', () => {
  it('names the layer or the run-time override, times in the reader zone with the zone named', () => {
    const [o] = take({ responder: 'dev', from: '2026-03-28T10:00+01:00', until: '2026-03-28T12:00+01:00' });
    const [view] = whoIsOnCall(policy, [o], { at: at('2026-03-28T09:30:00Z'), zone: 'America/New_York' });
    expect(view.now).toMatchObject({ responder: 'dev', via: `override ${o.id}`, fromLocal: '2026-03-28 05:30:00 -04:00 (America/New_York)', toLocal: '2026-03-28 07:00:00 -04:00 (America/New_York)' });
    expect(view.next[0]).toMatchObject({ via: 'days', from: '2026-03-28T11:00:00.000Z' });
    expect(view.next.length).toBeLessThanOrEqual(10);
  });
});

describe('the roster an incident pages by', () => {
  it('names the run-time override that changed who is on call, and nothing when it changes nothing', () => {
    const [o] = take({ responder: 'dev', from: '2026-03-28T09:00Z', until: '2026-03-28T12:00Z' });
    const pinned = onCallAt(schedule, at('2026-03-28T10:00:00Z')).responder;
    expect(rosterChange(policy, 'primary', [o], at('2026-03-28T10:00:00Z'))).toEqual({ schedule: 'primary', responder: 'dev', override: o.id, instead: pinned });
    expect(rosterChange(policy, 'primary', [o], at('2026-03-28T13:00:00Z'))).toBeUndefined();
  });

  it('simulate pages by the overrides it is given, records roster.applied, and by the pinned roster without them', () => {
    const [o] = take({ responder: 'dev', from: '2026-03-28T09:00Z', until: '2026-03-28T12:00Z' });
    const alert = sampleAlert();
    const withLive = simulate({ policy, alert, at: '2026-03-28T10:00:00Z', overrides: [o], horizonHours: 1 });
    expect(withLive.state.pages.map((p) => p.responder)).toEqual(['dev']);
    expect(withLive.events.find((e) => e.kind === 'roster.applied')?.payload).toMatchObject({ level: 1, responder: 'dev', override: o.id });
    const pinned = simulate({ policy, alert, at: '2026-03-28T10:00:00Z', horizonHours: 1 });
    expect(pinned.state.pages.map((p) => p.responder)).toEqual([onCallAt(schedule, at('2026-03-28T10:00:00Z')).responder]);
    expect(pinned.events.map((e) => e.kind)).not.toContain('roster.applied');
  });

  it('leaves out an override naming someone the pinned policy does not know, pages the pinned roster and records roster.ignored', () => {
    // Taken against a newer policy book where zed is a responder; this incident pinned `policy`, which has no zed.
    const [o] = overridesFor({ schedule: 'primary', responder: 'zed', from: '2026-03-28T09:00Z', until: '2026-03-28T12:00Z', reason: 'r' }, { ...ctx, book: { policies: [{ ...policy, responders: [...people, { name: 'zed', slackUserId: 'U0ZED', timeZone: 'UTC' }] }], routes: [] } });
    const r = simulate({ policy, alert: sampleAlert(), at: '2026-03-28T10:00:00Z', overrides: [o], horizonHours: 1 });
    expect(r.state.pages.map((p) => p.responder)).toEqual([onCallAt(schedule, at('2026-03-28T10:00:00Z')).responder]);
    expect(r.events.filter((e) => e.kind === 'roster.ignored').map((e) => e.payload)).toEqual([
      { level: 1, pass: 1, schedule: 'primary', responder: 'zed', override: o.id, reason: 'zed is not a responder of policy "p" as this incident pinned it' },
    ]);
    expect(r.events.map((e) => e.kind)).not.toContain('roster.applied');
  });

  it("reads it for the exhausted targets' page too, and not for a level that names people", () => {
    const [o] = take({ responder: 'dev', from: '2026-03-28T09:00Z', until: '2026-03-28T12:00Z' });
    const named: Policy = { ...policy, levels: [{ targets: ['eve'], timeoutMinutes: 10 }], exhausted: [{ schedule: 'primary' }] };
    const r = simulate({ policy: named, alert: sampleAlert(), at: '2026-03-28T10:00:00Z', overrides: [o], horizonHours: 1 });
    expect(r.state.pages.map((p) => p.responder)).toEqual(['eve', 'dev']);
    expect(r.events.filter((e) => e.kind === 'roster.applied').map((e) => e.payload)).toEqual([{ level: 1, pass: 1, schedule: 'primary', responder: 'dev', override: o.id, instead: onCallAt(schedule, at('2026-03-28T10:10:00Z')).responder }]);
  });
});

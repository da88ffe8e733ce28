import fc from 'fast-check';
import { MaintenanceInputError, windowFor } from '../../core/maintenance/window-input';
import { decide, isLive, matches, overlapping, type MaintenanceWindow } from '../../core/maintenance/window';
import { maintenanceSummary } from '../../core/maintenance/summary';
import { carriesPersonalData } from '../../core/alerts/data-categories';
import { applicableObligations } from '../../core/regulation/applicability';
import { sampleAlert } from '../support/samples';

/**
 * Maintenance windows as a person opening one meets them (each refusal's reason), which alerts
 * they hold, the SEV1 personal-data bypass, overlaps (also as a property), and the summary's
 * escaping for Slack.
 */
const NOW = Date.parse('2026-03-27T10:00:00Z');
const MIN = 60_000;
let n = 0;
const ctx = { now: NOW, by: 'ana', newId: () => `mw-${++n}`, sources: ['generic', 'sentry', 'grafana'] };
const open = (body: Record<string, unknown>) => windowFor({ tenant: 'acme', reason: 'db migration', ...body }, ctx);
const refusal = (body: Record<string, unknown>): string => {
  try {
    open(body);
  } catch (err) {
    expect(err).toBeInstanceOf(MaintenanceInputError);
    return (err as Error).message;
  }
  throw new Error('accepted');
};
const win = (over: Partial<MaintenanceWindow> = {}): MaintenanceWindow => ({
  id: 'mw-x', tenant: 'acme', from: new Date(NOW).toISOString(), until: new Date(NOW + 60 * MIN).toISOString(), reason: 'r', by: 'ana', allowSev1PersonalData: false, createdAt: new Date(NOW).toISOString(), ...over,
});

describe('opening a window', () => {
  it('takes minutes from now, or until (local to tz, DST-aware), or open-ended with the reason', () => {
    expect(open({ minutes: 90 })).toMatchObject({ tenant: 'acme', from: '2026-03-27T10:00:00.000Z', until: '2026-03-27T11:30:00.000Z', reason: 'db migration', by: 'ana', allowSev1PersonalData: false });
    // Berlin moves to summer time on 2026-03-29 at 02:00: 03:30 local is 01:30 UTC.
    expect(open({ from: '2026-03-29T01:00', until: '2026-03-29T03:30', tz: 'Europe/Berlin' })).toMatchObject({ from: '2026-03-29T00:00:00.000Z', until: '2026-03-29T01:30:00.000Z' });
    expect(open({ openEnded: 'vendor cannot say when', source: 'sentry', service: 'billing', allowSev1PersonalData: true })).toMatchObject({ until: null, openEnded: 'vendor cannot say when', source: 'sentry', service: 'billing', allowSev1PersonalData: true });
  });

  it('refuses, with the reason, what it must not open', () => {
    expect(refusal({ minutes: 0 })).toMatch(/minutes must be at least 1/);
    expect(refusal({ minutes: 43_201 })).toMatch(/at most 43200 \(30 days\)/);
    expect(refusal({ minutes: 1.5 })).toMatch(/whole number/);
    expect(refusal({})).toMatch(/needs an end: minutes .*\(openEnded\)/);
    expect(refusal({ minutes: 5, until: '2026-03-27T12:00Z' })).toMatch(/not both/);
    expect(refusal({ openEnded: 'x', minutes: 5 })).toMatch(/open-ended window has no minutes/);
    expect(refusal({ until: '2026-03-27T09:00Z' })).toMatch(/already over/);
    expect(refusal({ from: '2026-03-27T08:00Z', minutes: 30 })).toMatch(/from is in the past/);
    expect(refusal({ until: '2026-05-27T09:00Z' })).toMatch(/longer than 43200 minutes/);
    expect(refusal({ until: '2026-03-27T12:00', tz: 'CET+1' })).toMatch(/tz "CET\+1" is not an IANA time zone/);
    expect(refusal({ until: '2026-03-27T12:00' })).toMatch(/has no offset/);
    expect(refusal({ minutes: 5, reason: 'two\nlines' })).toMatch(/reason holds the control character U\+000A/);
    expect(refusal({ minutes: 5, reason: 'x'.repeat(501) })).toMatch(/reason is 501 characters long; at most 500/);
    expect(refusal({ minutes: 5, reason: '  ' })).toMatch(/reason must not be empty/);
    expect(refusal({ minutes: 5, reason: undefined })).toMatch(/reason is required/);
    expect(refusal({ minutes: 5, source: 'sentyr' })).toMatch(/source "sentyr" is not an alert source Klaxon knows/);
    expect(refusal({ minutes: 5, tenant: 'a b' })).toMatch(/tenant: letters/);
    expect(refusal({ minutes: 5, silence: true })).toMatch(/unknown field\(s\) "silence"/);
    expect(() => windowFor([], ctx)).toThrow(/JSON object/);
  });

  it('reads times as the on-call overrides do: hour-only offsets, no DST-gap times, no start years ahead', () => {
    expect(open({ until: '2026-03-27T12:00+01' })).toMatchObject({ until: '2026-03-27T11:00:00.000Z' });
    // Berlin's clocks skip 02:00–03:00 on 2026-03-29: 02:30 there is no time at all.
    expect(refusal({ from: '2026-03-29T02:30', minutes: 30, tz: 'Europe/Berlin' })).toMatch(/"2026-03-29T02:30" does not exist in Europe\/Berlin/);
    expect(refusal({ from: '9999-01-01T00:00Z', minutes: 5 })).toMatch(/from is more than 366 days ahead/);
    expect(refusal({ from: '2027-06-01T00:00Z', openEnded: 'x' })).toMatch(/from is more than 366 days ahead/);
  });

  it('redacts the reason before it is kept', () => {
    expect(open({ minutes: 5, reason: 'moving jane.doe@example.com to the new cluster' }).reason).not.toContain('jane.doe@example.com');
  });
});

describe('overlaps', () => {
  it('refuses a window of the same scope that shares time with a live one; another scope, or after the end, is fine', () => {
    const existing = [win()];
    const at = (from: number, until: number | null, over = {}) => ({ tenant: 'acme', from: new Date(from).toISOString(), until: until === null ? null : new Date(until).toISOString(), ...over });
    expect(overlapping(at(NOW + 30 * MIN, NOW + 90 * MIN), existing)?.id).toBe('mw-x');
    expect(overlapping(at(NOW - 30 * MIN, null), existing)?.id).toBe('mw-x');
    expect(overlapping(at(NOW + 60 * MIN, NOW + 90 * MIN), existing)).toBeUndefined();
    expect(overlapping(at(NOW, NOW + 90 * MIN, { source: 'sentry' }), existing)).toBeUndefined();
    expect(overlapping(at(NOW, NOW + 90 * MIN), [win({ endedAt: new Date(NOW).toISOString() })])).toBeUndefined();
  });

  it('agrees with interval arithmetic (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 0, max: 1000 }), fc.option(fc.integer({ min: 1, max: 1000 })), (a, la, b, lb) => {
        const w = win({ from: new Date(NOW + a * MIN).toISOString(), until: new Date(NOW + (a + la) * MIN).toISOString() });
        const until = lb === null ? Infinity : b + lb;
        const expected = a < until && b < a + la;
        const found = overlapping({ tenant: 'acme', from: new Date(NOW + b * MIN).toISOString(), until: lb === null ? null : new Date(NOW + (b + lb) * MIN).toISOString() }, [w]);
        expect(found !== undefined).toBe(expected);
      }),
      { numRuns: 200 },
    );
  });
});

describe('which alerts a window holds', () => {
  const alert = sampleAlert({ tenant: 'acme', source: 'generic', severity: 'SEV2', dataCategories: [] });
  it('matches tenant, and source and service when it names them; live from from until until or its end', () => {
    expect(matches(win(), alert)).toBe(true);
    expect(matches(win({ tenant: 'globex' }), alert)).toBe(false);
    expect(matches(win({ source: 'sentry' }), alert)).toBe(false);
    expect(matches(win({ service: 'billing' }), { ...alert, classification: { service: 'billing', surfaces: [], jurisdictions: [] } })).toBe(true);
    expect(matches(win({ service: 'billing' }), alert)).toBe(false);
    expect(isLive(win(), NOW + 59 * MIN)).toBe(true);
    expect(isLive(win(), NOW + 60 * MIN)).toBe(false);
    expect(isLive(win(), NOW - 1)).toBe(false);
    expect(isLive(win({ until: null }), NOW + 1e12)).toBe(true);
    expect(isLive(win({ endedAt: new Date(NOW + MIN).toISOString() }), NOW + 2 * MIN)).toBe(false);
  });

  it('holds, pages a SEV1 with personal data anyway unless the window allows silencing it, and pages what no window covers', () => {
    const sev1 = { ...alert, severity: 'SEV1' as const, dataCategories: ['personal-data'] };
    expect(decide(alert, [win()], NOW)).toMatchObject({ action: 'hold', window: { id: 'mw-x' }, sev1PersonalData: false });
    expect(decide(sev1, [win()], NOW)).toMatchObject({ action: 'bypass', window: { id: 'mw-x' } });
    expect(decide(sev1, [win({ allowSev1PersonalData: true })], NOW)).toMatchObject({ action: 'hold', sev1PersonalData: true });
    expect(decide({ ...sev1, dataCategories: [] }, [win()], NOW)).toMatchObject({ action: 'hold' });
    expect(decide(alert, [win()], NOW + 61 * MIN)).toEqual({ action: 'page' });
    expect(decide(alert, [win({ tenant: 'globex' })], NOW)).toEqual({ action: 'page' });
    // The narrower window decides.
    expect(decide(sev1, [win({ id: 'wide' }), win({ id: 'narrow', source: 'generic', allowSev1PersonalData: true })], NOW)).toMatchObject({ action: 'hold', window: { id: 'narrow' } });
  });

  it('between equally narrow windows (one by source, one by service), the one that does not silence a SEV1 with personal data decides, whatever their order', () => {
    const sev1 = { ...alert, severity: 'SEV1' as const, dataCategories: ['personal-data'], classification: { service: 'billing', surfaces: [], jurisdictions: [] } };
    const bySource = win({ id: 'by-source', source: 'generic', allowSev1PersonalData: true });
    const byService = win({ id: 'by-service', service: 'billing' });
    expect(decide(sev1, [bySource, byService], NOW)).toMatchObject({ action: 'bypass', window: { id: 'by-service' } });
    expect(decide(sev1, [byService, bySource], NOW)).toMatchObject({ action: 'bypass', window: { id: 'by-service' } });
    // Other alerts: held by the same window whatever the order (the record names one window).
    const sev2 = { ...sev1, severity: 'SEV2' as const };
    const one = decide(sev2, [bySource, byService], NOW);
    const other = decide(sev2, [byService, bySource], NOW);
    expect(one).toEqual(other);
    expect(one).toMatchObject({ action: 'hold', window: { id: 'by-service' } });
  });

  it('says an alert carries personal data exactly when the regimes would start a clock for it', () => {
    expect(carriesPersonalData({ dataCategories: [] })).toBe(false);
    expect(carriesPersonalData({ dataCategories: ['health'] })).toBe(true);
    expect(applicableObligations({ dataCategories: [], jurisdictions: ['EU'] })).toEqual([]);
  });
});

describe('the summary', () => {
  it('counts what was held, names the first titles, and escapes every outside word for Slack', () => {
    const w = win({ service: 'billing<!channel>', reason: 'move <https://evil|db> & co', by: 'ana' });
    const m = maintenanceSummary(w, { counts: [{ source: 'generic', severity: 'SEV2', count: 7 }], titles: ['<!here> disk full', 'x'.repeat(300)], bypassed: 1 }, { at: new Date(NOW + 60 * MIN).toISOString(), by: 'klaxon', expired: true });
    const all = JSON.stringify(m);
    expect(m.text).toBe('Maintenance over (tenant acme, service billing&lt;!channel&gt;): 7 alert(s) held back');
    expect(all).toContain('7 × SEV2 from generic');
    expect(all).toContain('&lt;!here&gt; disk full');
    expect(all).toContain('move &lt;https://evil|db&gt; &amp; co');
    expect(all).toContain('ended by itself');
    expect(all).toContain('1 SEV1 with personal data paged anyway');
    expect(all).toContain('…and 5 more');
    expect(all).not.toMatch(/<!here>|<!channel>|<https:\/\/evil/);
  });
});

describe('the summary at its largest', () => {
  it('stays within Slack\'s 3000 characters a text, however much escaping its titles take, and cuts no entity in half', () => {
    const w = win({ service: '&'.repeat(64), reason: '&'.repeat(500) });
    const counts = Array.from({ length: 50 }, (_, i) => ({ source: 'alertmanager', severity: 'SEV2', count: 1000 + i }));
    const m = maintenanceSummary(w, { counts, titles: Array.from({ length: 5 }, () => '<&>'.repeat(100)), bypassed: 0 }, { at: new Date(NOW).toISOString(), by: 'ana', expired: false });
    type Block = { text?: { text: string }; elements?: Array<{ text: string }> };
    const texts = (m.blocks as Block[]).flatMap((b) => [...(b.text ? [b.text.text] : []), ...(b.elements ?? []).map((e) => e.text)]);
    for (const t of texts) expect(t.length).toBeLessThanOrEqual(3000);
    for (const t of texts) expect(t).not.toMatch(/&(?!amp;|lt;|gt;)/);
    expect(JSON.stringify(m)).toContain('&lt;&amp;&gt;');
  });
});

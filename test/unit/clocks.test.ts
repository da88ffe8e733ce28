import { DateTime } from 'luxon';
import { reminderAt } from '../../core/regulation/clock';
import { computeClock, followUpDue } from '../../core/regulation/deadlines';
import { batchAlerts } from '../../core/alerts/alert-batch';
import type { ClockNotice } from '../../core/regulation/legal-clocks';
import { clockAudience } from '../../core/regulation/regulatory-ladder';
import { draftMarkdown, notificationDraft, UNKNOWN } from '../../core/regulation/drafts';
import { Incident } from '../../core/incident/incident';
import { policyProblems, validatePolicy } from '../../core/policy/policy';
import { sampleAlert, samplePolicy } from '../support/samples';
import { applicableObligations } from '../../core/regulation/applicability';
import { OBLIGATIONS, obligationById } from '../../core/regulation/regimes';
import { klaxon } from '../support/processes';

/** Deadlines as the clocks compute them: units, calendars, DST, backdating. */
const clock = (id: string, triggers: Record<string, string>, options = {}) => computeClock(obligationById(id), triggers, options);
const local = (iso: string, zone: string) => DateTime.fromISO(iso, { zone }).toFormat('yyyy-MM-dd HH:mm ZZ');

describe('clock hours', () => {
  it.each([
    // Spring forward in Berlin inside the 72 hours: the wall clock shows one hour later.
    ['2026-03-27T14:00+01:00', '2026-03-30 15:00 +02:00'],
    // Fall back: one hour earlier on the wall clock, still exactly 72 hours.
    ['2026-10-23T12:00+02:00', '2026-10-26 11:00 +01:00'],
  ])('GDPR Art. 33: aware %s is due 72 elapsed hours later (%s in Berlin)', (aware, due) => {
    const c = clock('gdpr-art33', { aware });
    expect(Date.parse(c.dueAt) - Date.parse(c.startedAt)).toBe(72 * 3_600_000);
    expect(local(c.dueAt, 'Europe/Berlin')).toBe(due);
  });

  it('reminds at half, three quarters, 12 h and 2 h before, in order', () => {
    const c = clock('gdpr-art33', { aware: '2026-11-24T10:00:00Z' });
    expect(c.reminders).toEqual([
      { label: '50%', at: '2026-11-25T22:00:00.000Z' },
      { label: '75%', at: '2026-11-26T16:00:00.000Z' },
      { label: 'T-12h', at: '2026-11-26T22:00:00.000Z' },
      { label: 'T-2h', at: '2026-11-27T08:00:00.000Z' },
    ]);
    expect(() => reminderAt('soon', DateTime.utc(), DateTime.utc())).toThrow('reminder "soon" is neither');
  });

  it('takes the earlier of two limits for DORA\'s initial notification', () => {
    const c = clock('dora-initial', { 'classified-major': '2026-05-01T10:00:00Z', aware: '2026-04-30T12:00:00Z' });
    expect(c).toMatchObject({ dueAt: '2026-05-01T12:00:00.000Z', limitedBy: 'aware' });
    expect(clock('dora-initial', { 'classified-major': '2026-05-01T10:00:00Z', aware: '2026-05-01T09:00:00Z' }).dueAt).toBe('2026-05-01T14:00:00.000Z');
  });

  it('shortens the time left when awareness is set in the past', () => {
    const now = DateTime.fromISO('2026-11-24T12:00:00Z');
    const c = clock('gdpr-art33', { aware: now.minus({ hours: 60 }).toISO()! });
    expect((Date.parse(c.dueAt) - now.toMillis()) / 3_600_000).toBe(12);
  });
});

describe('business days, in their jurisdiction', () => {
  it.each([
    // Christmas Day and a weekend inside the four days.
    ['2026-12-23T16:00-05:00', '2026-12-30 17:30 -05:00'],
    // Over the year end: New Year's Day and a weekend.
    ['2026-12-30T10:00-05:00', '2027-01-06 17:30 -05:00'],
    // Independence Day observed on Friday 2026-07-03.
    ['2026-07-01T09:00-04:00', '2026-07-08 17:30 -04:00'],
    // Determined on a Saturday: Monday is the first business day.
    ['2026-11-28T12:00-05:00', '2026-12-03 17:30 -05:00'],
  ])('SEC 8-K Item 1.05: determined %s, due %s (EDGAR closes 17:30 Eastern)', (determined, due) => {
    expect(local(clock('sec-8k-105', { 'materiality-determined': determined }).dueAt, 'America/New_York')).toBe(due);
  });

  it.each([
    // Good Friday (2026-04-03) and the weekend.
    ['2026-04-02T10:00-03:00', '2026-04-08 23:59 -03:00'],
    // Tiradentes (Tuesday 2026-04-21).
    ['2026-04-20T10:00-03:00', '2026-04-24 23:59 -03:00'],
    // New Year's Day over the year end.
    ['2026-12-30T10:00-03:00', '2027-01-05 23:59 -03:00'],
  ])('LGPD Art. 48: aware %s, due %s in Brazil', (aware, due) => {
    expect(local(clock('lgpd-art48', { aware }).dueAt, 'America/Sao_Paulo')).toBe(due);
  });

  it('reads the calendar of a named subdivision, and refuses an unknown one', () => {
    // Vermont's Town Meeting Day (2026-03-03) is no business day there, but is one federally.
    expect(local(clock('sec-8k-105', { 'materiality-determined': '2026-03-02T10:00-05:00' }).dueAt, 'America/New_York')).toBe('2026-03-06 17:30 -05:00');
    expect(local(clock('sec-8k-105', { 'materiality-determined': '2026-03-02T10:00-05:00' }, { jurisdiction: 'US-VT' }).dueAt, 'America/New_York')).toBe('2026-03-09 17:30 -04:00');
    expect(() => clock('sec-8k-105', { 'materiality-determined': '2026-03-02T10:00-05:00' }, { jurisdiction: 'XX' })).toThrow('"XX" is not a jurisdiction the holiday library knows');
  });
});

describe('calendar days and months', () => {
  it('HIPAA: 60 calendar days after discovery, to the end of the day in Eastern time', () => {
    expect(local(clock('hipaa-individuals', { discovered: '2026-11-24T09:00-05:00' }).dueAt, 'America/New_York')).toBe('2027-01-23 23:59 -05:00');
  });

  it('California: 30 days from discovery, read in California', () => {
    expect(local(clock('us-ca', { discovered: '2026-12-31T23:30-08:00' }).dueAt, 'America/Los_Angeles')).toBe('2027-01-30 23:59 -08:00');
  });

  it('NIS2 final report: one month after the notification was filed, at month ends too', () => {
    expect(clock('nis2-final', { 'filed:nis2-notification': '2026-01-31T10:00:00Z' }).dueAt).toBe('2026-02-28T10:00:00.000Z');
  });

  it('"without undue delay" obligations take the policy\'s bound, else Klaxon\'s default', () => {
    expect(clock('gdpr-art34', { 'high-risk-determined': '2026-11-24T10:00:00Z' }).dueAt).toBe('2026-11-27T10:00:00.000Z');
    expect(clock('gdpr-art34', { 'high-risk-determined': '2026-11-24T10:00:00Z' }, { policyHours: 24 }).dueAt).toBe('2026-11-25T10:00:00.000Z');
  });
});

describe('the regimes', () => {
  it('cover what Klaxon promises, each with a source, a recipient and the contents a filing needs', () => {
    const ids = OBLIGATIONS.map((o) => o.id);
    for (const id of ['gdpr-art33', 'gdpr-art33-2', 'gdpr-art34', 'uk-gdpr-art33', 'nis2-early-warning', 'nis2-notification', 'nis2-final', 'dora-initial', 'dora-intermediate', 'dora-final', 'hipaa-individuals', 'hipaa-hhs', 'hipaa-media', 'sec-8k-105', 'lgpd-art48', 'us-ca', 'us-tx', 'us-vt']) {
      expect(ids).toContain(id);
    }
    expect(new Set(ids).size).toBe(ids.length);
    for (const o of OBLIGATIONS) {
      expect(o.id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(o.source.length).toBeGreaterThan(5);
      expect(o.contents.length).toBeGreaterThan(0);
      if (o.trigger.startsWith('filed:')) expect(ids).toContain(o.trigger.slice('filed:'.length));
    }
  });

  it('are listed and computed by the CLI, which wants an explicit offset', async () => {
    const list = (await klaxon(['clocks', 'regimes'], process.env)).stdout;
    expect(list).toMatch(/^gdpr-art33 +72 h from aware → competent \(lead\) supervisory authority\n +Regulation \(EU\) 2016\/679, Art\. 33/m);
    const out = (await klaxon(['clocks', 'compute', '--regime', 'sec-8k-105', '--trigger', '2026-12-23T16:00-05:00', '--tz', 'Europe/Berlin'], process.env)).stdout;
    expect(out).toContain('Due:       2026-12-30T22:30:00Z (UTC)  |  2026-12-30 17:30:00 -05:00 (America/New_York)  |  2026-12-30 23:30:00 +01:00 (Europe/Berlin)');
    const json = JSON.parse((await klaxon(['clocks', 'compute', '--regime', 'gdpr-art33', '--trigger', '2026-03-27T14:00+01:00', '--json'], process.env)).stdout);
    expect(json).toMatchObject({ obligation: 'gdpr-art33', dueAt: '2026-03-30T13:00:00.000Z' });
    const refused = await klaxon(['clocks', 'compute', '--regime', 'gdpr-art33', '--trigger', '2026-03-27T14:00'], process.env).catch((e: { code: number; stderr: string }) => e);
    expect(refused).toMatchObject({ code: 1, stderr: expect.stringContaining('--trigger "2026-03-27T14:00" needs an offset or Z') });
    const unknown = await klaxon(['clocks', 'compute', '--regime', 'gdpr-art99', '--trigger', '2026-03-27T14:00Z'], process.env).catch((e: { code: number; stderr: string }) => e);
    expect(unknown).toMatchObject({ code: 1, stderr: expect.stringContaining('unknown regime "gdpr-art99"') });
  });

  it('refuses an unknown trigger event in the CLI, before anything is sent', async () => {
    // No Temporal listens there: the refusal must come before the CLI connects.
    const env = { ...process.env, TEMPORAL_ADDRESS: '127.0.0.1:1', KLAXON_DATA_DIR: '/nonexistent' };
    const refused = await klaxon(['clocks', 'trigger', 'inc-x', '--event', 'bogus', '--as', 'alice'], env).catch((e: { code: number; stderr: string }) => e);
    expect(refused).toMatchObject({ code: 1, stderr: 'klaxon: --event "bogus" is not a trigger event; known: aware, processor-aware, discovered, materiality-determined, classified-major\n' });
    const risk = await klaxon(['clocks', 'trigger', 'inc-x', '--event', 'high-risk-determined', '--as', 'alice'], env).catch((e: { code: number; stderr: string }) => e);
    expect(risk).toMatchObject({ code: 1, stderr: expect.stringContaining('recorded as the Art. 34 risk decision, with its reasons: klaxon clocks risk <id>') });
  });
});

describe('which obligations apply', () => {
  const ids = (input: Parameters<typeof applicableObligations>[0]) => applicableObligations(input).map((o) => o.id);

  it('follow the jurisdictions and data categories of the incident', () => {
    expect(ids({ dataCategories: ['personal-data'], jurisdictions: ['DE'] })).toEqual(['gdpr-art33', 'gdpr-art34']);
    expect(ids({ dataCategories: ['personal-data'], jurisdictions: ['GB'] })).toEqual(['uk-gdpr-art33']);
    expect(ids({ dataCategories: ['health'], jurisdictions: ['US-CA'] })).toEqual(['hipaa-individuals', 'hipaa-hhs', 'hipaa-media', 'us-ca']);
    expect(ids({ dataCategories: ['personal-data'], jurisdictions: ['US-TX', 'BR'] })).toEqual(['lgpd-art48', 'us-tx']);
    expect(ids({ dataCategories: [], jurisdictions: ['DE'] })).toEqual([]);
  });

  it('add the regimes a policy opts into, and the processor\'s duty', () => {
    expect(ids({ dataCategories: ['personal-data'], jurisdictions: ['FR'], optIn: ['NIS2'], processor: true })).toEqual([
      'gdpr-art33', 'gdpr-art33-2', 'gdpr-art34', 'nis2-early-warning', 'nis2-notification', 'nis2-final',
    ]);
    expect(ids({ dataCategories: ['financial'], jurisdictions: ['US'], optIn: ['SEC'] })).toEqual(['sec-8k-105']);
  });
});

describe('notification drafts', () => {
  const policy = validatePolicy({
    ...samplePolicy,
    responders: [...samplePolicy.responders, { name: 'dana', slackUserId: 'U0DANA', email: 'dpo@example.com', timeZone: 'Europe/Berlin', roles: ['dpo'] }],
  });
  const incident = () => {
    const inc = Incident.open('inc-acme-1', policy, sampleAlert({ classification: { service: 'customers-api', surfaces: ['api-route'], jurisdictions: ['DE'] } }), '2026-11-24T10:00:00.000Z');
    inc.legal.recordTrigger({ by: { responder: 'alice', via: 'cli' }, event: 'aware', at: '2026-11-24T09:00:00.000Z', reason: 'seen in logs' }, '2026-11-24T10:05:00.000Z');
    inc.legal.started([computeClock(obligationById('gdpr-art33'), inc.legal.triggerInstants())], '2026-11-24T10:05:00.000Z');
    return inc.snapshot();
  };

  it('hold every item Art. 33(3) requires, filled where Klaxon knows the facts, redacted', () => {
    const d = notificationDraft(obligationById('gdpr-art33'), incident(), policy, '2026-11-25T10:00:00.000Z');
    expect(d.items.map((i) => i.item)).toEqual(obligationById('gdpr-art33').contents);
    expect(d.items[0].value).toContain('Emails of [email] visible to tenant globex (tenant acme, service customers-api, severity SEV2).');
    expect(d.items[0].value).toContain('aware 2026-11-24T09:00:00.000Z');
    expect(d.items[0].value).toContain('Approximate numbers of data subjects and records: [to be completed].');
    expect(d.items[1].value).toBe('dana <dpo@example.com> (data protection officer)');
    expect(d.items[2].value).toBeUndefined();
    expect(d).toMatchObject({ dueAt: '2026-11-27T09:00:00.000Z', lateReasonsRequired: false });
    const md = draftMarkdown(d);
    for (const item of obligationById('gdpr-art33').contents) expect(md).toContain(`## ${item}`);
    expect(md).toContain(UNKNOWN);
    expect(md).not.toContain('jane@example.com');
  });

  it('demand the reasons for delay once the deadline has passed, where the regime does', () => {
    const late = notificationDraft(obligationById('gdpr-art33'), incident(), policy, '2026-11-28T10:00:00.000Z');
    expect(late.lateReasonsRequired).toBe(true);
    expect(draftMarkdown(late)).toContain('**This notification is late: state the reasons for the delay.**');
    for (const o of OBLIGATIONS) expect(notificationDraft(o, incident(), policy, '2026-11-25T10:00:00.000Z').items).toHaveLength(o.contents.length);
  });
});

describe('phased filings', () => {
  it('LGPD: the rest within 20 business days, across Christmas and New Year in Brazil', () => {
    // From Friday 18 Dec 2026: 25 Dec and 1 Jan are public holidays; the 20th business day is Tue 19 Jan 2027.
    const due = followUpDue(obligationById('lgpd-art48'), '2026-12-18T15:00:00-03:00');
    expect(local(due, 'America/Sao_Paulo')).toBe('2027-01-19 23:59 -03:00');
  });

  it('GDPR: "without undue further delay" is the policy\'s bound, 7 days by default; a regime without phases refuses', () => {
    expect(followUpDue(obligationById('gdpr-art33'), '2026-10-24T12:00:00Z')).toBe('2026-10-31T12:00:00.000Z');
    expect(followUpDue(obligationById('gdpr-art33'), '2026-10-24T12:00:00Z', { policyHours: 48 })).toBe('2026-10-26T12:00:00.000Z');
    expect(() => followUpDue(obligationById('us-ca'), '2026-10-24T12:00:00Z')).toThrow('us-ca is not filed in phases');
  });
});

describe('the regulatory policy', () => {
  const withRegulatory = (regulatory: object) => ({ ...samplePolicy, teams: [{ name: 'legal', members: ['alice'] }], regulatory });

  it('names each mistake with its field', () => {
    const problems = policyProblems(
      withRegulatory({ awareOn: { severity: ['SEV9'] }, withinHours: { 'gdpr-art33': 24, 'follow-up': 0 }, ladder: [{ notify: ['nobody', { team: 'lawyers' }] }] }),
    );
    expect(problems.map((p) => `${p.path.join('.')}: ${p.message}`)).toEqual([
      'regulatory.awareOn.severity: "SEV9" is not one of SEV1, SEV2, SEV3, SEV4',
      'regulatory.withinHours.gdpr-art33: "gdpr-art33" has a deadline in law; withinHours bounds only gdpr-art33-2, gdpr-art34, follow-up',
      'regulatory.withinHours.follow-up: follow-up: hours must be a positive number',
      'regulatory.ladder.0.notify.0: regulatory ladder rung 1: unknown responder "nobody"',
      'regulatory.ladder.0.notify.1: regulatory ladder rung 1: unknown team "lawyers"',
    ]);
  });

  it('the DPO / legal ladder: a clock\'s nth notice reaches rungs 1..n, an overdue one every rung and loudly', () => {
    const policy = validatePolicy(withRegulatory({ ladder: [{ notify: ['bob'] }, { notify: [{ team: 'legal' }] }, { notify: ['alice', 'bob'] }] }));
    const notice = (kind: ClockNotice['kind'], sequence: number): ClockNotice => ({ obligation: 'gdpr-art33', kind, label: 'x', dueAt: '2026-10-27T12:00:00Z', sequence });
    const names = (a: ReturnType<typeof clockAudience>) => [a.responders.map((r) => r.name), a.loud];
    expect(names(clockAudience(policy, notice('reminder', 1)))).toEqual([['bob'], false]);
    expect(names(clockAudience(policy, notice('reminder', 2)))).toEqual([['bob', 'alice'], false]);
    // Each person once, however many rungs name them.
    expect(names(clockAudience(policy, notice('reminder', 7)))).toEqual([['bob', 'alice'], false]);
    expect(names(clockAudience(policy, notice('overdue', 1)))).toEqual([['bob', 'alice'], true]);
    // Without a ladder, the responders with the dpo or legal role are told.
    const roles = validatePolicy({ ...samplePolicy, responders: samplePolicy.responders.map((r, i) => (i === 1 ? { ...r, roles: ['legal'] } : r)) });
    expect(names(clockAudience(roles, notice('overdue', 1)))).toEqual([[samplePolicy.responders[1].name], false]);
  });

  it('awareness by policy is recorded the moment the facts match, e.g. when a later alert raises the severity', () => {
    const policy = validatePolicy({ ...samplePolicy, regulatory: { awareOn: { severity: ['SEV1'], dataCategories: ['health'] } } });
    const inc = Incident.open('inc-1', policy, sampleAlert({ severity: 'SEV2', dataCategories: ['health'], classification: { service: 'api', surfaces: [], jurisdictions: ['DE'] } }), '2026-11-24T10:00:00.000Z');
    expect(inc.snapshot().triggers?.aware).toBeUndefined();
    inc.recordAlerts(batchAlerts([sampleAlert({ severity: 'SEV1', deliveryId: 'd-2', dataCategories: ['health'] })]), '2026-11-24T10:20:00.000Z');
    expect(inc.snapshot().triggers?.aware).toMatchObject({ at: '2026-11-24T10:20:00.000Z', by: 'klaxon' });
    expect(inc.legal.toStart().map((o) => o.id)).toEqual(['gdpr-art33']);
  });
});

describe('Art. 34(3)(c)', () => {
  it('owes the communication to the public instead, and files it as such', () => {
    const by = { responder: 'alice', via: 'cli' as const };
    const inc = Incident.open('inc-34', samplePolicy, sampleAlert({ classification: { service: 'api', surfaces: [], jurisdictions: ['FR'] } }), '2026-11-24T10:00:00.000Z');
    const decided = inc.legal.decideRisk({ by, highRisk: true, exception: 'public-communication', reasons: '2 M users, no contact data' }, '2026-11-24T11:00:00.000Z');
    expect(decided).toMatchObject({ art34: 'public-communication', starts: ['gdpr-art34'] });
    inc.legal.started([computeClock(obligationById('gdpr-art34'), inc.legal.triggerInstants())], '2026-11-24T11:00:00.000Z');
    inc.legal.recordFiling({ by, obligation: 'gdpr-art34', reference: 'status-page/2026-11-24' }, '2026-11-24T15:00:00.000Z');
    expect(inc.snapshot().clocks![0].filing).toMatchObject({ recipient: expect.stringContaining('the public'), late: false });
    // An exception found afterwards does not undo a communication already made.
    inc.legal.decideRisk({ by, highRisk: true, exception: 'unintelligible', reasons: 'salted hashes after all' }, '2026-11-24T16:00:00.000Z');
    expect(inc.snapshot().clocks![0].status).toBe('filed');
  });
});

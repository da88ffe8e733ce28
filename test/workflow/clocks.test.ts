import { WorkflowUpdateFailedError } from '@temporalio/client';
import { validatePolicy } from '../../core/policy/policy';
import { queries, updates } from '../../workflows/messages';
import { samplePolicy } from '../support/samples';
import { PAGERDUTY_ROUTING_KEYS, timeSkippingIncidents } from '../support/incident-workflows';
import { waitFor } from '../support/waiting';

/** Legal clocks of an incident: triggers recorded through an Update, deadlines computed once and kept. */
const t = timeSkippingIncidents('clocks-test');
const { withWorker, startIncident, alertFor, resolveAndFinish } = t;

const leakIn = (...jurisdictions: string[]) => alertFor({ classification: { service: 'api', surfaces: ['/api/customers'], jurisdictions } });
const refusal = (err: unknown) => String((err as WorkflowUpdateFailedError).cause?.message);

describe('regulatory clocks on an incident', () => {
  it('start when their trigger is recorded, backdated with a reason, and are refused when the trigger is wrong', async () => {
    await withWorker(async () => {
      const { handle, incidentId } = await startIncident(undefined, leakIn('DE', 'US-CA'));
      await waitFor('the first page', async () => (await handle.query(queries.state)).pages.length === 1);
      const now = await t.env.currentTimeMs();
      const tenHoursAgo = new Date(now - 10 * 3_600_000).toISOString();
      const by = { responder: 'alice', via: 'cli' as const };

      const future = await handle.executeUpdate(updates.trigger, { args: [{ by, event: 'aware', at: new Date(now + 3_600_000).toISOString() }] }).catch((e: unknown) => e);
      expect(refusal(future)).toMatch(/"aware" cannot be set in the future/);
      const noReason = await handle.executeUpdate(updates.trigger, { args: [{ by, event: 'aware', at: tenHoursAgo }] }).catch((e: unknown) => e);
      expect(refusal(noReason)).toMatch(/"aware" set in the past \(.*\) needs a reason/);
      const stranger = await handle.executeUpdate(updates.trigger, { args: [{ by: { responder: 'mallory', via: 'cli' }, event: 'aware' }] }).catch((e: unknown) => e);
      expect(refusal(stranger)).toMatch(/mallory is not a responder/);
      // What the ledger would keep for ever is checked first: kinds, channels, text it can store.
      const bogus = await handle.executeUpdate(updates.trigger, { args: [{ by, event: 'bogus' as never }] }).catch((e: unknown) => e);
      expect(refusal(bogus)).toBe('"bogus" is not a trigger event; known: aware, processor-aware, discovered, materiality-determined, classified-major');
      const channel = await handle.executeUpdate(updates.trigger, { args: [{ by: { responder: 'alice', via: 'fax' as never }, event: 'discovered' }] }).catch((e: unknown) => e);
      expect(refusal(channel)).toBe('"fax" is not a channel a responder acts through; known: slack, cli, api, pagerduty');
      const nul = await handle.executeUpdate(updates.trigger, { args: [{ by, event: 'discovered', reason: 'seen in\u0000 the logs' }] }).catch((e: unknown) => e);
      expect(refusal(nul)).toBe('reason: holds the control character U+0000 (NUL), which has no place in text');
      const surrogate = await handle.executeUpdate(updates.resolve, { args: [{ by, note: 'fixed \ud800' }] }).catch((e: unknown) => e);
      expect(refusal(surrogate)).toBe('note: holds a lone surrogate (U+D800), which is not Unicode text');
      const notBoolean = await handle.executeUpdate(updates.riskDecision, { args: [{ by, highRisk: 'yes' as never, reasons: 'names and emails' }] }).catch((e: unknown) => e);
      expect(refusal(notBoolean)).toBe('the Art. 34 decision is high risk or not: highRisk is true or false');

      const recorded = await handle.executeUpdate(updates.trigger, { args: [{ by, event: 'aware', at: tenHoursAgo, reason: 'the SOC saw the leak in the logs before the alert fired' }] });
      expect(recorded).toMatchObject({ event: 'aware', at: tenHoursAgo, starts: ['gdpr-art33'] });
      const again = await handle.executeUpdate(updates.trigger, { args: [{ by, event: 'aware', reason: 'x' }] }).catch((e: unknown) => e);
      expect(refusal(again)).toMatch(/"aware" was already recorded at .* by alice/);

      const state = await waitFor('the GDPR clock', async () => {
        const s = await handle.query(queries.state);
        return s.clocks?.length ? s : undefined;
      });
      // Backdated awareness leaves 62 of the 72 hours.
      expect(state.clocks).toEqual([expect.objectContaining({ obligation: 'gdpr-art33', trigger: 'aware', startedAt: tenHoursAgo })]);
      expect((Date.parse(state.clocks![0].dueAt) - now) / 3_600_000).toBeCloseTo(62, 5);
      expect(state.triggers?.aware).toMatchObject({ by: 'alice', via: 'cli', reason: 'the SOC saw the leak in the logs before the alert fired' });

      // Discovery starts California's 30 days.
      await handle.executeUpdate(updates.trigger, { args: [{ by, event: 'discovered' }] });
      const both = await waitFor('the California clock', async () => {
        const s = await handle.query(queries.state);
        return s.clocks?.length === 2 ? s.clocks : undefined;
      });
      expect(both.map((c) => c.obligation)).toEqual(['gdpr-art33', 'us-ca']);

      const timeline = await waitFor('the clocks in the ledger', async () => {
        const events = await t.ledger.timeline(incidentId);
        return events.filter((e) => e.kind === 'clock.started').length === 2 ? events : undefined;
      });
      expect(timeline.find((e) => e.kind === 'clock.trigger_recorded')).toMatchObject({ actor: { name: 'alice', via: 'cli' }, payload: { event: 'aware', at: tenHoursAgo } });
      expect(timeline.filter((e) => e.kind === 'clock.trigger_recorded').map((e) => e.payload.event)).toEqual(['aware', 'discovered']);
      expect(timeline.filter((e) => e.kind === 'clock.risk_decided' || e.kind === 'incident.resolved')).toEqual([]);
      expect(timeline.find((e) => e.kind === 'clock.started')!.payload).toMatchObject({ obligation: 'gdpr-art33', dueAt: state.clocks![0].dueAt });
      // The incident ends once its obligations are filed.
      for (const obligation of ['gdpr-art33', 'us-ca']) await handle.executeUpdate(updates.file, { args: [{ by, obligation, reference: `ref-${obligation}` }] });
      await resolveAndFinish(handle);
    });
  });

  it('start none for an incident without personal data or jurisdiction that calls for one', async () => {
    await withWorker(async () => {
      const { handle } = await startIncident(undefined, alertFor({ dataCategories: [], classification: { service: 'api', surfaces: [], jurisdictions: ['DE'] } }));
      expect(await handle.executeUpdate(updates.trigger, { args: [{ by: { responder: 'alice', via: 'cli' }, event: 'aware' }] })).toMatchObject({ starts: [] });
      await resolveAndFinish(handle);
    });
  });
});

describe('a running clock', () => {
  const withDpo = (over = {}) =>
    validatePolicy({
      ...samplePolicy,
      responders: [...samplePolicy.responders, { name: 'dana', slackUserId: 'U0DANA', email: 'dpo@example.com', timeZone: 'Europe/Berlin', roles: ['dpo'] }],
      ...over,
    });
  const by = { responder: 'dana', via: 'cli' as const };
  const noticesFor = (incidentId: string) => t.slack.callsOf('chat.postMessage').map((c) => String(c.args.text)).filter((text) => text.includes(incidentId) && /Reminder|OVERDUE/.test(text));

  it('reminds the DPO, outlives the resolution, goes overdue loudly, and takes a late filing only with reasons', async () => {
    await withWorker(async () => {
      const { handle, incidentId } = await startIncident(withDpo(), leakIn('DE'));
      await waitFor('the first page', async () => (await handle.query(queries.state)).pages.length === 1);
      await handle.executeUpdate(updates.trigger, { args: [{ by, event: 'aware' }] });
      await waitFor('the clock', async () => (await handle.query(queries.state)).clocks?.length === 1);

      await t.env.sleep('36 hours');
      await t.env.sleep('1 minute');
      const half = await waitFor('the 50% reminder', () => (noticesFor(incidentId).length === 1 ? noticesFor(incidentId) : undefined));
      expect(half[0]).toMatch(/^:hourglass_flowing_sand: Reminder \(50%\): GDPR: Notify the supervisory authority for `inc-/);
      expect(half[0]).toContain('<@U0DANA>');

      // Fixed and resolved: the legal obligation still runs.
      await handle.executeUpdate(updates.resolve, { args: [{ by: { responder: 'alice', via: 'cli' }, note: 'route fixed' }] });
      expect((await handle.describe()).status.name).toBe('RUNNING');

      await t.env.sleep('37 hours');
      const all = await waitFor('the overdue notice', () => (noticesFor(incidentId).some((n) => n.includes('OVERDUE')) ? noticesFor(incidentId) : undefined));
      expect(all.map((n) => n.match(/Reminder \(([^)]+)\)|OVERDUE/)![1] ?? 'OVERDUE')).toEqual(['50%', '75%', 'T-12h', 'T-2h', 'OVERDUE']);
      expect(all.at(-1)).toMatch(/^<!channel> :alarm_clock: \*OVERDUE\*.*the reasons for the delay/);
      expect((await handle.query(queries.state)).clocks![0].status).toBe('overdue');

      const noReasons = await handle.executeUpdate(updates.file, { args: [{ by, obligation: 'gdpr-art33', reference: 'BfDI-2026-0042' }] }).catch((e: unknown) => e);
      expect(refusal(noReasons)).toMatch(/"gdpr-art33" is filed after its deadline .*: the reasons for the delay are required/);
      const filed = await handle.executeUpdate(updates.file, {
        args: [{ by, obligation: 'gdpr-art33', reference: 'BfDI-2026-0042', attachments: ['art33-notification.pdf'], reasonsForDelay: 'the processor reported the scope only on day 3' }],
      });
      expect(filed).toMatchObject({ obligation: 'gdpr-art33', late: true, starts: [] });
      const final = await handle.result();
      expect(final.clocks![0]).toMatchObject({ status: 'filed', filing: { by: 'dana', reference: 'BfDI-2026-0042', late: true, recipient: 'competent (lead) supervisory authority' } });
      const kinds = (await t.ledger.timeline(incidentId)).map((e) => e.kind).filter((k) => k.startsWith('clock.'));
      expect(kinds).toEqual(['clock.trigger_recorded', 'clock.started', 'clock.reminder', 'clock.reminder', 'clock.reminder', 'clock.reminder', 'clock.overdue', 'clock.filed']);
    });
  });

  it('starts the clocks that run from a filing: NIS2\'s final report a month after the notification', async () => {
    await withWorker(async () => {
      const { handle } = await startIncident(withDpo({ regulatory: { optIn: ['NIS2'], reminders: ['T-2h'] } }), leakIn('FR'));
      await waitFor('the first page', async () => (await handle.query(queries.state)).pages.length === 1);
      const aware = await handle.executeUpdate(updates.trigger, { args: [{ by, event: 'aware' }] });
      expect(aware.starts).toEqual(['gdpr-art33', 'nis2-early-warning', 'nis2-notification']);
      await waitFor('three clocks', async () => (await handle.query(queries.state)).clocks?.length === 3);
      await handle.executeUpdate(updates.file, { args: [{ by, obligation: 'nis2-early-warning', reference: 'CERT-FR-1' }] });
      const notified = await handle.executeUpdate(updates.file, { args: [{ by, obligation: 'nis2-notification', reference: 'CERT-FR-2' }] });
      expect(notified).toMatchObject({ late: false, starts: ['nis2-final'] });
      const clocks = await waitFor('the final-report clock', async () => {
        const c = (await handle.query(queries.state)).clocks!;
        return c.length === 4 ? c : undefined;
      });
      const final = clocks.find((c) => c.obligation === 'nis2-final')!;
      const filedAt = clocks.find((c) => c.obligation === 'nis2-notification')!.filing!.filedAt;
      expect(final.trigger).toBe('filed:nis2-notification');
      expect(final.dueAt.slice(0, 10)).toBe(new Date(new Date(filedAt).setUTCMonth(new Date(filedAt).getUTCMonth() + 1)).toISOString().slice(0, 10));
      for (const obligation of ['gdpr-art33', 'nis2-final']) await handle.executeUpdate(updates.file, { args: [{ by, obligation, reference: `ref-${obligation}` }] });
      await resolveAndFinish(handle);
    });
  });
});

describe('what counsel decides', () => {
  const policy = (regulatory = {}) =>
    validatePolicy({
      ...samplePolicy,
      responders: [...samplePolicy.responders, { name: 'dana', slackUserId: 'U0DANA', email: 'dpo@example.com', timeZone: 'Europe/Berlin', roles: ['dpo'] }],
      regulatory,
    });
  const by = { responder: 'dana', via: 'cli' as const };
  const clocksOf = async (handle: Awaited<ReturnType<typeof startIncident>>['handle'], count: number) =>
    waitFor(`${count} clocks`, async () => {
      const clocks = (await handle.query(queries.state)).clocks ?? [];
      return clocks.length === count ? clocks : undefined;
    });

  it('Art. 34: the high-risk decision starts the communication clock, an exception withdraws it, and obligations change only with a reason', async () => {
    await withWorker(async () => {
      const { handle, incidentId } = await startIncident(policy(), leakIn('DE'));
      await handle.executeUpdate(updates.acknowledge, { args: [{ responder: 'alice', via: 'cli' }] });
      await handle.executeUpdate(updates.trigger, { args: [{ by, event: 'aware' }] });
      await clocksOf(handle, 1);

      const direct = await handle.executeUpdate(updates.trigger, { args: [{ by, event: 'high-risk-determined' }] }).catch((e: unknown) => e);
      expect(refusal(direct)).toMatch(/recorded as the Art. 34 risk decision/);
      const bare = await handle.executeUpdate(updates.riskDecision, { args: [{ by, highRisk: true, reasons: ' ' }] }).catch((e: unknown) => e);
      expect(refusal(bare)).toMatch(/needs its reasons/);
      const low = await handle.executeUpdate(updates.riskDecision, { args: [{ by, highRisk: false, reasons: 'hashed e-mail addresses only' }] });
      expect(low).toMatchObject({ highRisk: false, art34: 'not required', starts: [] });

      // Later: passwords were in the clear. High risk; too many people to write to one by one.
      const high = await handle.executeUpdate(updates.riskDecision, { args: [{ by, highRisk: true, exception: 'public-communication', reasons: 'clear-text passwords of 2.1 M users' }] });
      expect(high).toMatchObject({ highRisk: true, art34: 'public-communication', starts: ['gdpr-art34'] });
      const [, art34] = await clocksOf(handle, 2);
      expect(art34).toMatchObject({ obligation: 'gdpr-art34', trigger: 'high-risk-determined', status: 'open' });
      const undo = await handle.executeUpdate(updates.riskDecision, { args: [{ by, highRisk: false, reasons: 'second thoughts' }] }).catch((e: unknown) => e);
      expect(refusal(undo)).toMatch(/already runs from an earlier high-risk decision/);
      // The passwords turn out to have been hashed with a per-user salt: 34(3)(a) applies.
      const exempt = await handle.executeUpdate(updates.riskDecision, { args: [{ by, highRisk: true, exception: 'unintelligible', reasons: 'bcrypt, cost 12, per-user salt' }] });
      expect(exempt.art34).toBe('not required');

      const noReason = await handle.executeUpdate(updates.obligations, { args: [{ by, add: ['uk-gdpr-art33'], reason: '' }] }).catch((e: unknown) => e);
      expect(refusal(noReason)).toMatch(/needs a reason/);
      const unknown = await handle.executeUpdate(updates.obligations, { args: [{ by, add: ['gdpr-art99'], reason: 'x' }] }).catch((e: unknown) => e);
      expect(refusal(unknown)).toMatch(/unknown regime "gdpr-art99"/);
      const added = await handle.executeUpdate(updates.obligations, { args: [{ by, add: ['uk-gdpr-art33'], reason: 'UK customers among the affected tenants' }] });
      expect(added).toMatchObject({ obligations: ['gdpr-art33', 'uk-gdpr-art33'], starts: ['uk-gdpr-art33'] });
      await clocksOf(handle, 3);

      const view = await handle.query(queries.clocks, 'America/New_York');
      expect(view.clocks.map((c) => [c.obligation, c.status])).toEqual([['gdpr-art33', 'open'], ['gdpr-art34', 'withdrawn'], ['uk-gdpr-art33', 'open']]);
      const gdpr = view.clocks[0];
      expect(gdpr.due.authority).toMatch(/ \(Europe\/Brussels\)$/);
      expect(gdpr.due.reader).toMatch(/ \(America\/New_York\)$/);
      expect(Date.parse(gdpr.due.utc) - Date.parse(gdpr.started.utc)).toBe(72 * 3_600_000);
      expect(view.clocks[1].withdrawn).toMatchObject({ by: 'dana', reason: expect.stringContaining('Art. 34(3)(a)') });
      expect(view.riskDecisions.map((d) => [d.highRisk, d.exception ?? null])).toEqual([[false, null], [true, 'public-communication'], [true, 'unintelligible']]);
      expect(view.nearestDeadline?.utc).toBe(gdpr.due.utc);
      const badZone = await handle.query(queries.clocks, 'Mars/Olympus').catch((e: unknown) => e);
      // The refusal names the zone (in the failure's cause when the server wraps it).
      expect(`${String(badZone)} ${String((badZone as Error).cause)}`).toMatch(/the zone "Mars\/Olympus" is not supported/);

      for (const obligation of ['gdpr-art33', 'uk-gdpr-art33']) await handle.executeUpdate(updates.file, { args: [{ by, obligation, reference: `ref-${obligation}` }] });
      // The withdrawn Art. 34 clock does not keep the incident open.
      await resolveAndFinish(handle);
      const timeline = await t.ledger.timeline(incidentId);
      expect(timeline.filter((e) => e.kind.startsWith('obligation.')).map((e) => [e.kind, e.payload.obligation, e.payload.reason])).toEqual([
        ['obligation.removed', 'gdpr-art34', expect.stringContaining('Art. 34(3)(a)')],
        ['obligation.added', 'uk-gdpr-art33', 'UK customers among the affected tenants'],
      ]);
      expect(timeline.filter((e) => e.kind === 'clock.risk_decided')).toHaveLength(3);
    });
  });

  it('treats an incident as known on detection when the policy says so for its facts', async () => {
    await withWorker(async () => {
      const rules = policy({ awareOn: { severity: ['SEV1'], dataCategories: ['health'] } });
      const { handle: quiet } = await startIncident(rules, alertFor({ severity: 'SEV2', dataCategories: ['health'], classification: { service: 'api', surfaces: [], jurisdictions: ['DE'] } }));
      const { handle, incidentId } = await startIncident(rules, alertFor({ severity: 'SEV1', dataCategories: ['health'], classification: { service: 'api', surfaces: [], jurisdictions: ['DE'] } }));
      const [clock] = await clocksOf(handle, 1);
      const state = await handle.query(queries.state);
      expect(state.triggers?.aware).toMatchObject({ by: 'klaxon', reason: expect.stringContaining('SEV1 incidents with health data') });
      expect(clock).toMatchObject({ obligation: 'gdpr-art33', startedAt: state.triggers!.aware!.at });
      expect((await quiet.query(queries.state)).triggers?.aware).toBeUndefined();
      const recorded = (await t.ledger.timeline(incidentId)).find((e) => e.kind === 'clock.trigger_recorded');
      expect(recorded).toMatchObject({ actor: { type: 'system', name: 'klaxon' }, payload: { event: 'aware', byPolicy: true } });
      await handle.executeUpdate(updates.file, { args: [{ by, obligation: 'gdpr-art33', reference: 'BfDI-7' }] });
      await resolveAndFinish(handle);
      await resolveAndFinish(quiet);
    });
  });

  it('Art. 33(4): a filing in phases leaves a follow-up owed, reminded when late, until the rest is filed', async () => {
    await withWorker(async () => {
      const { handle, incidentId } = await startIncident(policy({ withinHours: { 'follow-up': 48 } }), leakIn('DE', 'US-CA'));
      await handle.executeUpdate(updates.acknowledge, { args: [{ responder: 'alice', via: 'cli' }] });
      await handle.executeUpdate(updates.trigger, { args: [{ by, event: 'aware' }] });
      await handle.executeUpdate(updates.trigger, { args: [{ by, event: 'discovered' }] });
      await clocksOf(handle, 2);
      const notPhased = await handle.executeUpdate(updates.file, { args: [{ by, obligation: 'us-ca', reference: 'CA-1', outstanding: ['x'] }] }).catch((e: unknown) => e);
      expect(refusal(notPhased)).toMatch(/"us-ca" cannot be filed in phases/);
      await handle.executeUpdate(updates.file, { args: [{ by, obligation: 'us-ca', reference: 'CA-1' }] });

      const first = await handle.executeUpdate(updates.file, { args: [{ by, obligation: 'gdpr-art33', reference: 'BfDI-9', outstanding: ['approximate number of records'] }] });
      expect(first).toMatchObject({ late: false, outstanding: ['approximate number of records'] });
      const partial = await waitFor('the follow-up deadline', async () => (await handle.query(queries.state)).clocks!.find((c) => c.obligation === 'gdpr-art33' && c.followUpDueAt));
      expect(partial.status).toBe('partial');
      expect(Date.parse(partial.followUpDueAt!) - Date.parse(partial.filing!.filedAt)).toBe(48 * 3_600_000);

      await t.env.sleep('49 hours');
      const owed = await waitFor('the follow-up notice', () => t.slack.callsOf('chat.postMessage').map((c) => String(c.args.text)).find((x) => x.includes(incidentId) && x.includes('Follow-up owed')));
      expect(owed).toContain('Outstanding: approximate number of records');
      const rest = await handle.executeUpdate(updates.file, { args: [{ by, obligation: 'gdpr-art33', reference: 'BfDI-9/2', attachments: ['records-count.csv'] }] });
      expect(rest).toMatchObject({ late: true, outstanding: [] });
      await resolveAndFinish(handle);
      const kinds = (await t.ledger.timeline(incidentId)).filter((e) => e.payload.obligation === 'gdpr-art33').map((e) => e.kind);
      expect(kinds).toEqual(['clock.started', 'clock.filed', 'clock.follow_up_due', 'clock.follow_up_overdue', 'clock.follow_up_filed']);
    });
  });
});

describe('the DPO / legal ladder', () => {
  it('reminders climb it rung by rung; an overdue clock reaches every rung and pages, and the page is resolved when filed', async () => {
    await withWorker(async () => {
      const policy = validatePolicy({
        ...samplePolicy,
        responders: [
          ...samplePolicy.responders,
          { name: 'dana', slackUserId: 'U0DANA', email: 'dpo@example.com', pagerDutyService: 'security', timeZone: 'Europe/Berlin', roles: ['dpo'] },
          { name: 'lena', slackUserId: 'U0LENA', email: 'legal@example.com', timeZone: 'Europe/Dublin', roles: ['legal'] },
        ],
        teams: [{ name: 'legal', members: ['lena'] }],
        regulatory: { reminders: ['50%', 'T-2h'], ladder: [{ notify: ['dana'] }, { notify: [{ team: 'legal' }] }] },
      });
      const { handle, incidentId } = await startIncident(policy, leakIn('DE'));
      await handle.executeUpdate(updates.acknowledge, { args: [{ responder: 'alice', via: 'cli' }] });
      await handle.executeUpdate(updates.trigger, { args: [{ by: { responder: 'dana', via: 'cli' }, event: 'aware' }] });
      await waitFor('the clock', async () => (await handle.query(queries.state)).clocks?.length === 1);
      const mailsTo = () => t.smtp.mails.filter((m) => m.headers.get('x-klaxon-incident') === incidentId).map((m) => `${String(m.subject).replace(/ \(acme\)$/, '')} → ${(m.to as { text: string }).text}`);
      const clockPages = () => t.pagerduty.events.filter((e) => e.dedup_key === `${incidentId}/clock/gdpr-art33`);

      await t.env.sleep('2161 minutes');
      await waitFor('the first rung', () => mailsTo().length === 1);
      expect(mailsTo()).toEqual(['[Klaxon] Reminder (50%): GDPR: Notify the supervisory authority → dpo@example.com']);
      await t.env.sleep('34 hours');
      await waitFor('the second rung', () => mailsTo().length === 3);
      expect(mailsTo().slice(1).sort()).toEqual([
        '[Klaxon] Reminder (T-2h): GDPR: Notify the supervisory authority → dpo@example.com',
        '[Klaxon] Reminder (T-2h): GDPR: Notify the supervisory authority → legal@example.com',
      ]);
      expect(clockPages()).toEqual([]);

      await t.env.sleep('2 hours');
      await waitFor('every rung, loudly', () => mailsTo().length === 5 && clockPages().length === 1);
      expect(mailsTo().slice(3).every((m) => m.startsWith('[Klaxon] OVERDUE: GDPR: Notify the supervisory authority'))).toBe(true);
      expect(clockPages()[0]).toMatchObject({ event_action: 'trigger', routing_key: PAGERDUTY_ROUTING_KEYS.security, payload: { severity: 'critical', summary: expect.stringContaining('OVERDUE: GDPR') } });

      await handle.executeUpdate(updates.file, { args: [{ by: { responder: 'dana', via: 'cli' }, obligation: 'gdpr-art33', reference: 'BfDI-12', reasonsForDelay: 'the scope took three days to establish' }] });
      await waitFor('the page resolved', () => clockPages().length === 2);
      expect(clockPages()[1]).toMatchObject({ event_action: 'resolve' });
      await resolveAndFinish(handle);
      const escalated = (await t.ledger.timeline(incidentId)).filter((e) => e.kind === 'clock.escalated').map((e) => (e.payload.told as Array<{ responder: string; channel: string }>).map((x) => `${x.responder}:${x.channel}`));
      expect(escalated).toEqual([['dana:email'], ['dana:email', 'lena:email'], ['dana:email', 'dana:pagerduty', 'lena:email']]);
    });
  });
});

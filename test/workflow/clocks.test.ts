import { WorkflowUpdateFailedError } from '@temporalio/client';
import { validatePolicy } from '../../core/policy';
import { fileUpdate, resolveUpdate, stateQuery, triggerUpdate } from '../../workflows/incident';
import { samplePolicy } from '../support/samples';
import { timeSkippingIncidents } from '../support/incident-workflows';
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
      await waitFor('the first page', async () => (await handle.query(stateQuery)).pages.length === 1);
      const now = await t.env.currentTimeMs();
      const tenHoursAgo = new Date(now - 10 * 3_600_000).toISOString();
      const by = { responder: 'alice', via: 'cli' as const };

      const future = await handle.executeUpdate(triggerUpdate, { args: [{ by, event: 'aware', at: new Date(now + 3_600_000).toISOString() }] }).catch((e: unknown) => e);
      expect(refusal(future)).toMatch(/"aware" cannot be set in the future/);
      const noReason = await handle.executeUpdate(triggerUpdate, { args: [{ by, event: 'aware', at: tenHoursAgo }] }).catch((e: unknown) => e);
      expect(refusal(noReason)).toMatch(/"aware" set in the past \(.*\) needs a reason/);
      const stranger = await handle.executeUpdate(triggerUpdate, { args: [{ by: { responder: 'mallory', via: 'cli' }, event: 'aware' }] }).catch((e: unknown) => e);
      expect(refusal(stranger)).toMatch(/mallory is not a responder/);

      const recorded = await handle.executeUpdate(triggerUpdate, { args: [{ by, event: 'aware', at: tenHoursAgo, reason: 'the SOC saw the leak in the logs before the alert fired' }] });
      expect(recorded).toMatchObject({ event: 'aware', at: tenHoursAgo, starts: ['gdpr-art33'] });
      const again = await handle.executeUpdate(triggerUpdate, { args: [{ by, event: 'aware', reason: 'x' }] }).catch((e: unknown) => e);
      expect(refusal(again)).toMatch(/"aware" was already recorded at .* by alice/);

      const state = await waitFor('the GDPR clock', async () => {
        const s = await handle.query(stateQuery);
        return s.clocks?.length ? s : undefined;
      });
      // Backdated awareness leaves 62 of the 72 hours.
      expect(state.clocks).toEqual([expect.objectContaining({ obligation: 'gdpr-art33', trigger: 'aware', startedAt: tenHoursAgo })]);
      expect((Date.parse(state.clocks![0].dueAt) - now) / 3_600_000).toBeCloseTo(62, 5);
      expect(state.triggers?.aware).toMatchObject({ by: 'alice', via: 'cli', reason: 'the SOC saw the leak in the logs before the alert fired' });

      // Discovery starts California's 30 days.
      await handle.executeUpdate(triggerUpdate, { args: [{ by, event: 'discovered' }] });
      const both = await waitFor('the California clock', async () => {
        const s = await handle.query(stateQuery);
        return s.clocks?.length === 2 ? s.clocks : undefined;
      });
      expect(both.map((c) => c.obligation)).toEqual(['gdpr-art33', 'us-ca']);

      const timeline = await waitFor('the clocks in the ledger', async () => {
        const events = await t.ledger.timeline(incidentId);
        return events.filter((e) => e.kind === 'clock.started').length === 2 ? events : undefined;
      });
      expect(timeline.find((e) => e.kind === 'clock.trigger_recorded')).toMatchObject({ actor: { name: 'alice', via: 'cli' }, payload: { event: 'aware', at: tenHoursAgo } });
      expect(timeline.find((e) => e.kind === 'clock.started')!.payload).toMatchObject({ obligation: 'gdpr-art33', dueAt: state.clocks![0].dueAt });
      // The incident ends once its obligations are filed.
      for (const obligation of ['gdpr-art33', 'us-ca']) await handle.executeUpdate(fileUpdate, { args: [{ by, obligation, reference: `ref-${obligation}` }] });
      await resolveAndFinish(handle);
    });
  });

  it('start none for an incident without personal data or jurisdiction that calls for one', async () => {
    await withWorker(async () => {
      const { handle } = await startIncident(undefined, alertFor({ dataCategories: [], classification: { service: 'api', surfaces: [], jurisdictions: ['DE'] } }));
      expect(await handle.executeUpdate(triggerUpdate, { args: [{ by: { responder: 'alice', via: 'cli' }, event: 'aware' }] })).toMatchObject({ starts: [] });
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
      await waitFor('the first page', async () => (await handle.query(stateQuery)).pages.length === 1);
      await handle.executeUpdate(triggerUpdate, { args: [{ by, event: 'aware' }] });
      await waitFor('the clock', async () => (await handle.query(stateQuery)).clocks?.length === 1);

      await t.env.sleep('36 hours');
      await t.env.sleep('1 minute');
      const half = await waitFor('the 50% reminder', () => (noticesFor(incidentId).length === 1 ? noticesFor(incidentId) : undefined));
      expect(half[0]).toMatch(/^:hourglass_flowing_sand: Reminder \(50%\): GDPR: Notify the supervisory authority for `inc-/);
      expect(half[0]).toContain('<@U0DANA>');

      // Fixed and resolved: the legal obligation still runs.
      await handle.executeUpdate(resolveUpdate, { args: [{ by: { responder: 'alice', via: 'cli' }, note: 'route fixed' }] });
      expect((await handle.describe()).status.name).toBe('RUNNING');

      await t.env.sleep('37 hours');
      const all = await waitFor('the overdue notice', () => (noticesFor(incidentId).some((n) => n.includes('OVERDUE')) ? noticesFor(incidentId) : undefined));
      expect(all.map((n) => n.match(/Reminder \(([^)]+)\)|OVERDUE/)![1] ?? 'OVERDUE')).toEqual(['50%', '75%', 'T-12h', 'T-2h', 'OVERDUE']);
      expect(all.at(-1)).toMatch(/^<!channel> :alarm_clock: \*OVERDUE\*.*the reasons for the delay/);
      expect((await handle.query(stateQuery)).clocks![0].status).toBe('overdue');

      const noReasons = await handle.executeUpdate(fileUpdate, { args: [{ by, obligation: 'gdpr-art33', reference: 'BfDI-2026-0042' }] }).catch((e: unknown) => e);
      expect(refusal(noReasons)).toMatch(/"gdpr-art33" is filed after its deadline .*: the reasons for the delay are required/);
      const filed = await handle.executeUpdate(fileUpdate, {
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
      await waitFor('the first page', async () => (await handle.query(stateQuery)).pages.length === 1);
      const aware = await handle.executeUpdate(triggerUpdate, { args: [{ by, event: 'aware' }] });
      expect(aware.starts).toEqual(['gdpr-art33', 'nis2-early-warning', 'nis2-notification']);
      await waitFor('three clocks', async () => (await handle.query(stateQuery)).clocks?.length === 3);
      await handle.executeUpdate(fileUpdate, { args: [{ by, obligation: 'nis2-early-warning', reference: 'CERT-FR-1' }] });
      const notified = await handle.executeUpdate(fileUpdate, { args: [{ by, obligation: 'nis2-notification', reference: 'CERT-FR-2' }] });
      expect(notified).toMatchObject({ late: false, starts: ['nis2-final'] });
      const clocks = await waitFor('the final-report clock', async () => {
        const c = (await handle.query(stateQuery)).clocks!;
        return c.length === 4 ? c : undefined;
      });
      const final = clocks.find((c) => c.obligation === 'nis2-final')!;
      const filedAt = clocks.find((c) => c.obligation === 'nis2-notification')!.filing!.filedAt;
      expect(final.trigger).toBe('filed:nis2-notification');
      expect(final.dueAt.slice(0, 10)).toBe(new Date(new Date(filedAt).setUTCMonth(new Date(filedAt).getUTCMonth() + 1)).toISOString().slice(0, 10));
      for (const obligation of ['gdpr-art33', 'nis2-final']) await handle.executeUpdate(fileUpdate, { args: [{ by, obligation, reference: `ref-${obligation}` }] });
      await resolveAndFinish(handle);
    });
  });
});

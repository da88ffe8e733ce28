import { WorkflowUpdateFailedError } from '@temporalio/client';
import { stateQuery, triggerUpdate } from '../../workflows/incident';
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

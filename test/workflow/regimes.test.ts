import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import type { FilingRequest, ObligationClock } from '../../core/regulation/legal-clocks';
import { validatePolicy, type RegulatoryPolicy } from '../../core/policy/policy';
import { obligationById, type TriggerKind } from '../../core/regulation/regimes';
import { incident } from '../../workflows/incident';
import { queries, updates } from '../../workflows/messages';
import { samplePolicy } from '../support/samples';
import { timeSkippingIncidents } from '../support/incident-workflows';
import { waitFor } from '../support/waiting';

/**
 * Every regime end to end on the time-skipping server: the trigger starts the clock, its
 * reminders reach the DPO, a filing on time stops it; a missed one goes overdue, is refused
 * without the reasons for the delay where the law asks for them, and is taken with them.
 */
const t = timeSkippingIncidents('regimes-test');
const { withWorker, startIncident, alertFor, resolveAndFinish } = t;

const by = { responder: 'dana', via: 'cli' as const };
const policyWith = (regulatory: RegulatoryPolicy) =>
  validatePolicy({
    ...samplePolicy,
    responders: [...samplePolicy.responders, { name: 'dana', slackUserId: 'U0DANA', email: 'dpo@example.com', timeZone: 'Europe/Berlin', roles: ['dpo'] }],
    regulatory: { reminders: ['50%', 'T-2h'], ...regulatory },
  });

interface Case {
  obligation: string;
  event: TriggerKind;
  jurisdictions: string[];
  dataCategories?: string[];
  regulatory?: RegulatoryPolicy;
}

const CASES: Case[] = [
  { obligation: 'gdpr-art33', event: 'aware', jurisdictions: ['DE'] },
  { obligation: 'gdpr-art33-2', event: 'processor-aware', jurisdictions: ['IE'], regulatory: { processor: true, withinHours: { 'gdpr-art33-2': 36 } } },
  { obligation: 'uk-gdpr-art33', event: 'aware', jurisdictions: ['GB'] },
  { obligation: 'nis2-early-warning', event: 'aware', jurisdictions: ['FR'], regulatory: { optIn: ['NIS2'] } },
  { obligation: 'dora-initial', event: 'classified-major', jurisdictions: ['NL'], regulatory: { optIn: ['DORA'] } },
  { obligation: 'hipaa-hhs', event: 'discovered', jurisdictions: ['US'], dataCategories: ['health'] },
  { obligation: 'sec-8k-105', event: 'materiality-determined', jurisdictions: ['US'], regulatory: { optIn: ['SEC'] } },
  { obligation: 'lgpd-art48', event: 'aware', jurisdictions: ['BR'] },
  { obligation: 'us-ca', event: 'discovered', jurisdictions: ['US-CA'] },
];

const refusal = (err: unknown) => String((err as WorkflowUpdateFailedError).cause?.message);
/** Clock notices of one obligation of one incident, as Slack received them. */
const noticesFor = (incidentId: string, obligation: string) => {
  const o = obligationById(obligation);
  return t.slack.callsOf('chat.postMessage').map((c) => String(c.args.text)).filter((text) => text.includes(incidentId) && text.includes(`${o.regime}: ${o.title} for`));
};

/** An acknowledged incident (its paging stops) whose trigger was recorded; the clock of `c.obligation`. */
async function clockFor(c: Case): Promise<{ handle: WorkflowHandle<typeof incident>; incidentId: string; clock: ObligationClock }> {
  const alert = alertFor({ dataCategories: c.dataCategories ?? ['personal-data'], classification: { service: 'api', surfaces: [], jurisdictions: c.jurisdictions } });
  const { handle, incidentId } = await startIncident(policyWith(c.regulatory ?? {}), alert);
  await handle.executeUpdate(updates.acknowledge, { args: [{ responder: 'alice', via: 'cli' }] });
  const recorded = await handle.executeUpdate(updates.trigger, { args: [{ by, event: c.event }] });
  expect(recorded.starts).toContain(c.obligation);
  const clock = await waitFor(`the ${c.obligation} clock`, async () => (await handle.query(queries.state)).clocks?.find((k) => k.obligation === c.obligation));
  return { handle, incidentId, clock };
}

/** Files one obligation, and waits for the clocks the filing starts (NIS2's and DORA's later reports). */
async function file(handle: WorkflowHandle<typeof incident>, req: Omit<FilingRequest, 'by'>) {
  const filed = await handle.executeUpdate(updates.file, { args: [{ by, ...req }] });
  for (const next of filed.starts) await waitFor(`the ${next} clock`, async () => (await handle.query(queries.state)).clocks?.some((x) => x.obligation === next));
  return filed;
}

/** Files whatever else is owed, so the incident can end. */
async function fileTheRest(handle: WorkflowHandle<typeof incident>): Promise<void> {
  const owed = ((await handle.query(queries.state)).clocks ?? []).filter((k) => k.status === 'open' || k.status === 'overdue');
  for (const k of owed) await file(handle, { obligation: k.obligation, reference: `rest-${k.obligation}`, reasonsForDelay: 'filed at the end of the test' });
  if (owed.length) await fileTheRest(handle);
}

const sleepUntil = async (iso: string) => t.env.sleep(Math.max(0, Date.parse(iso) - (await t.env.currentTimeMs())));

describe.each(CASES)('$obligation', (c) => {
  it('reminds, and a filing on time stops the clock', async () => {
    await withWorker(async () => {
      const { handle, incidentId, clock } = await clockFor(c);
      // DORA's 4 hours: half-time is two hours before; one reminder then.
      expect(clock.reminders.map((r) => r.label)).toEqual(c.obligation === 'dora-initial' ? ['50%'] : ['50%', 'T-2h']);
      await sleepUntil(clock.reminders[0].at);
      await t.env.sleep('1 minute');
      const notices = await waitFor('the 50% reminder', () => (noticesFor(incidentId, c.obligation).length ? noticesFor(incidentId, c.obligation) : undefined));
      expect(notices[0]).toContain(`Reminder (50%): ${obligationById(c.obligation).regime}: ${obligationById(c.obligation).title}`);
      expect(notices[0]).toContain('<@U0DANA>');

      const filed = await file(handle, { obligation: c.obligation, reference: `REF-${c.obligation}` });
      expect(filed).toMatchObject({ obligation: c.obligation, late: false });
      await fileTheRest(handle);
      await resolveAndFinish(handle);
      // Filed before its deadline: no overdue notice ever went out.
      expect(noticesFor(incidentId, c.obligation).some((n) => n.includes('OVERDUE'))).toBe(false);
      const kinds = (await t.ledger.timeline(incidentId)).filter((e) => e.payload.obligation === c.obligation).map((e) => e.kind);
      expect(kinds).toEqual(['clock.started', 'clock.reminder', 'clock.filed']);
    });
  });

  it('goes overdue loudly when missed, and takes a late filing with the reasons the law asks for', async () => {
    await withWorker(async () => {
      const { handle, incidentId, clock } = await clockFor(c);
      await sleepUntil(clock.dueAt);
      await t.env.sleep('1 minute');
      await waitFor('the overdue notice', () => noticesFor(incidentId, c.obligation).find((n) => n.includes('OVERDUE')));
      expect((await handle.query(queries.state)).clocks!.find((k) => k.obligation === c.obligation)!.status).toBe('overdue');

      const o = obligationById(c.obligation);
      if (o.lateNeedsReasons) {
        const bare = await handle.executeUpdate(updates.file, { args: [{ by, obligation: c.obligation, reference: 'LATE-1' }] }).catch((e: unknown) => e);
        expect(refusal(bare)).toMatch(new RegExp(`"${c.obligation}" is filed after its deadline .*: the reasons for the delay are required`));
      }
      const filed = await file(handle, { obligation: c.obligation, reference: 'LATE-1', reasonsForDelay: 'the scope was confirmed only after the deadline' });
      expect(filed).toMatchObject({ late: true });
      await fileTheRest(handle);
      await resolveAndFinish(handle);
      const filing = (await t.ledger.timeline(incidentId)).find((e) => e.kind === 'clock.filed' && e.payload.obligation === c.obligation)!;
      expect(filing.payload).toMatchObject({ late: true, reasonsForDelay: 'the scope was confirmed only after the deadline', reference: 'LATE-1' });
    });
  });
});

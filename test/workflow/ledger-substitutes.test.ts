import { evidencePack } from '../../core/audit/evidence';
import { queries, updates } from '../../workflows/messages';
import { timeSkippingIncidents } from '../support/incident-workflows';
import { waitFor } from '../support/waiting';

/**
 * An event the ledger refuses for good (here a NUL in the alert's title, which PostgreSQL's
 * jsonb cannot hold) must not stop the incident's ordered ledger writes: the real activity
 * records a substitute and the events after it land.
 */
const t = timeSkippingIncidents('ledger-substitutes-test');

describe('the ledger path of an incident', () => {
  it('records a substitute for an unstorable event and writes every later event of the incident', async () => {
    await t.withWorker(async () => {
      const { handle, incidentId } = await t.startIncident(undefined, t.alertFor({ title: 'Customer rows of acme\u0000 exposed' }));
      await handle.executeUpdate(updates.acknowledge, { args: [{ responder: 'alice', via: 'cli' }] });
      await t.resolveAndFinish(handle);
      const timeline = await waitFor('the resolution in the ledger', async () => {
        const events = await t.ledger.timeline(incidentId);
        return events.some((e) => e.kind === 'incident.resolved') ? events : undefined;
      });
      const substituted = timeline.filter((e) => e.kind === 'ledger.unstorable');
      expect(substituted.map((e) => e.payload)).toEqual([expect.objectContaining({ kind: 'alert.received', sqlstate: '22P05' })]);
      expect(timeline.map((e) => e.kind)).toEqual(expect.arrayContaining(['incident.acknowledged', 'incident.resolved']));
      expect(JSON.stringify(timeline)).not.toContain('acme\\u0000');
      const verified = await t.ledger.verify(incidentId);
      expect(verified).toMatchObject({ ok: true, checked: timeline.length, substitutes: [{ incidentId, kind: 'alert.received', sqlstate: '22P05' }] });
      // The evidence pack says so too, and files the substitute with the record, not the escalation.
      const pack = evidencePack(await handle.query(queries.state), timeline, verified, new Date().toISOString());
      expect(pack.ledger).toMatchObject({ verified: true, substitutes: verified.substitutes });
      expect(pack.sections.find((s) => s.id === 'record')!.items.map((i) => i.kind)).toContain('ledger.unstorable');
    });
  });
});

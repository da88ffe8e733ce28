import type { PoolClient } from 'pg';
import { validatePolicy } from '../../core/policy/policy';
import { batchAlerts } from '../../core/alerts/alert-batch';
import { signals, updates } from '../../workflows/messages';
import { timeSkippingIncidents } from '../support/incident-workflows';
import { waitFor } from '../support/waiting';

/**
 * The ledger down while an incident pages (under the release patch 2026-12-fewer-actions): its
 * audit events wait, and all of them are written, in order, once the ledger is back, whatever
 * paging did meanwhile (a follow-up notification sent, the rest called off). A follow-up that
 * lands while the loop pages someone else asks for its write from its own cancellation scope;
 * the write, queued behind one the ledger holds up, must not die with that scope when paging stops.
 */
const t = timeSkippingIncidents('ledger-down-test');
const { withWorker, startIncident, alertFor, kinds } = t;

const policy = validatePolicy({
  name: 'ledger-down',
  responders: [
    {
      name: 'alice', slackUserId: 'U0ALICE', timeZone: 'Europe/Berlin', pagerDutyService: 'ops', email: 'alice@example.com',
      notify: { high: [{ channel: 'slack', afterMinutes: 0 }, { channel: 'email', afterMinutes: 0 }, { channel: 'pagerduty', afterMinutes: 20 }] },
    },
    { name: 'bob', slackUserId: 'U0BOB', timeZone: 'America/New_York' },
  ],
  levels: [{ targets: ['alice', 'bob'], timeoutMinutes: 30 }],
  repeat: 0,
  autoResolve: false,
  reviews: { required: false },
});

/** The ledger's lock held from outside: every append waits, as with the database away. */
async function ledgerDown(): Promise<PoolClient> {
  const client = await t.ledger.db.connect();
  await client.query(`SELECT pg_advisory_lock(hashtext('klaxon-ledger'))`);
  return client;
}
async function ledgerBack(client: PoolClient): Promise<void> {
  await client.query(`SELECT pg_advisory_unlock(hashtext('klaxon-ledger'))`);
  client.release();
}

describe('the ledger down while paging', () => {
  it('an acknowledgement that calls off the follow-ups loses no audit event written meanwhile', async () => {
    await withWorker(async () => {
      const lock = await ledgerDown();
      let locked = true;
      try {
        const first = alertFor();
        const { handle, incidentId } = await startIncident(policy, first);
        // Alice's email goes out while Bob's Slack page is under way (Slack asks to wait 8 s).
        await waitFor('alice\'s page', () => t.postsFor(incidentId).length === 1, 30_000);
        t.slack.rateLimits.set('chat.postMessage', { retryAfter: 8, remaining: 1 });
        await waitFor('alice\'s email', () => t.smtp.mails.some((m) => m.headers.get('x-klaxon-incident') === incidentId), 30_000);
        // Acknowledged meanwhile: once Bob is paged, paging stops and Alice's PagerDuty follow-up is called off.
        await handle.executeUpdate(updates.acknowledge, { args: [{ responder: 'alice', via: 'slack' }] });
        await waitFor('bob\'s page', () => [...t.slack.messages.values()].filter((m) => JSON.stringify(m).includes(incidentId)).length >= 2, 30_000);
        await new Promise((r) => setTimeout(r, 2_000));
        // Another alert of the incident, its count written while the ledger is still away.
        await handle.signal(signals.alerts, batchAlerts([{ ...first, deliveryId: `${first.deliveryId}-again` }]));
        await new Promise((r) => setTimeout(r, 1_000));
        await ledgerBack(lock);
        locked = false;
        // The second count reaches the ledger, and the incident goes on: it can be resolved.
        await waitFor('the second count in the ledger', async () => (await kinds(incidentId)).filter((k) => k === 'alert.received').length === 2, 30_000);
        await handle.executeUpdate(updates.resolve, { args: [{ by: { responder: 'alice', via: 'cli' } }] });
        await handle.result();
        const written = await kinds(incidentId);
        expect(written.filter((k) => k === 'alert.received')).toHaveLength(2);
        expect(written).toEqual(expect.arrayContaining(['incident.opened', 'responder.paged', 'notification.sent', 'notification.cancelled', 'incident.acknowledged', 'incident.resolved']));
        const steps = (await t.ledger.timeline(incidentId)).map((e) => Number(e.stepKey.split('/').at(-1)));
        expect(steps).toEqual([...steps].sort((a, b) => a - b));
        expect((await t.ledger.verify(incidentId)).ok).toBe(true);
      } finally {
        if (locked) await ledgerBack(lock);
      }
    });
  });
});

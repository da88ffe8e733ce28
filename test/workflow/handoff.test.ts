import { WebApiSlack } from '../../activities/slack-web-api';
import { Incidents } from '../../client/incidents';
import type { AuditPayload } from '../../core/audit/events';
import { handoffWorkflowId } from '../../core/oncall/handoff';
import { validatePolicy, type Policy } from '../../core/policy/policy';
import { OnCallOverrides } from '../../ledger/oncall-overrides';
import { handoff } from '../../workflows/handoff';
import { handoffActivities } from '../../worker/handoff-notices';
import { timeSkippingIncidents } from '../support/incident-workflows';
import { waitFor } from '../support/waiting';

/**
 * A schedule's hand-off watch on the time-skipping server with its real activities: the notice
 * reaches the incoming responder N minutes before a hand-off on the night Europe springs
 * forward, the time shown in her own zone, and once.
 */
const TASK_QUEUE = 'handoff-test';
// alice takes over at 09:00 Berlin on 2027-03-28, hours after CET became CEST: 07:00Z.
const policy: Policy = validatePolicy({
  name: 'ops',
  responders: [
    { name: 'alice', slackUserId: 'U0ALICE', timeZone: 'America/New_York' },
    { name: 'bob', slackUserId: 'U0BOB', timeZone: 'Europe/Berlin' },
  ],
  schedules: [{ name: 'primary', layers: [{ name: 'long', members: ['alice', 'bob'], zone: 'Europe/Berlin', start: '2027-03-28T09:00', turn: { weeks: 20 } }], overrides: [], handoffNotice: { minutesBefore: 30 } }],
  levels: [{ targets: [{ schedule: 'primary' }], timeoutMinutes: 5 }],
  repeat: 0,
  autoResolve: false,
});

const t = timeSkippingIncidents(TASK_QUEUE, {
  activities: (env) =>
    handoffActivities({ policies: () => [policy], overrides: new OnCallOverrides(t.ledger.db), incidents: new Incidents(env.client, TASK_QUEUE), ledger: t.ledger, slack: new WebApiSlack(t.slack.token, t.slack.url) }),
});

/** Direct messages to alice: the transport opens her DM (the stand-in names it D0ALICE) and posts there. */
const dms = () => t.slack.callsOf('chat.postMessage').filter((c) => c.args.channel === 'D0ALICE');

describe('a hand-off notice', () => {
  it('reaches the incoming responder 30 minutes before a hand-off across DST, in her zone, once', async () => {
    await t.withWorker(async () => {
      // To twelve days before the hand-off (nothing runs yet: the clock jumps).
      await t.env.sleep(Date.parse('2027-03-16T00:00:00Z') - (await t.env.currentTimeMs()));
      const watch = await t.env.client.workflow.start(handoff, { taskQueue: TASK_QUEUE, workflowId: handoffWorkflowId('ops', 'primary'), args: [{ policy: 'ops', schedule: 'primary' }] });
      try {
        await t.env.sleep(Date.parse('2027-03-28T06:29:00Z') - (await t.env.currentTimeMs()));
        expect(dms()).toEqual([]);
        await t.env.sleep('2 minutes');
        await waitFor('the notice', () => dms().length > 0);
        expect(String(dms()[0].args.text)).toBe('Hand-off: your shift on primary starts 2027-03-28 03:00:00 -04:00 (America/New_York)');
        // The time-skipping server answers no visibility query: the notice goes anyway, saying so
        // (the list itself: test/unit/coverage.test.ts, "a hand-off message").
        expect(JSON.stringify(dms()[0].args.blocks)).toContain('The open incidents could not be read');
        const [notice] = await waitFor('the record', async () => {
          const events = await t.ledger.timeline(handoffWorkflowId('ops', 'primary'));
          return events.length ? events : undefined;
        });
        expect(notice.payload as AuditPayload<'handoff.notice'>).toEqual({ policy: 'ops', schedule: 'primary', responder: 'alice', shiftStart: '2027-03-28T07:00:00.000Z', minutesBefore: 30, channel: 'slack', incidents: [] });
        // The next cycle waits for bob's turn, twenty weeks on: nothing more for alice.
        await t.env.sleep('1 hour');
        expect(dms()).toHaveLength(1);
      } finally {
        await watch.terminate('test over');
      }
    });
  });
});

import { Client } from '@temporalio/client';
import { WebApiSlack } from '../../activities/slack-web-api';
import type { AuditPayload } from '../../core/audit/events';
import { validatePolicy, type Policy } from '../../core/policy/policy';
import { OnCallOverrides } from '../../ledger/oncall-overrides';
import { coverageCheck } from '../../workflows/coverage-check';
import { coverageChain, coverageCheckActivities } from '../../worker/coverage-check';
import { timeSkippingIncidents } from '../support/incident-workflows';

/**
 * The daily coverage check's workflow on the time-skipping server with its real activity: the
 * ledger in PostgreSQL, run-time overrides in their table, posts at the Slack stand-in. The
 * first check posts every gap; the next posts only what is new; a run done twice posts once.
 */
const TASK_QUEUE = 'coverage-check-test';
// Berlin's day shift only: every night of the horizon is a hole, whatever day the test runs.
const policy: Policy = validatePolicy({
  name: 'ops',
  responders: [
    { name: 'alice', slackUserId: 'U0ALICE', timeZone: 'Europe/Berlin' },
    { name: 'carol', timeZone: 'Asia/Kolkata' },
  ],
  schedules: [{ name: 'primary', layers: [{ name: 'day', members: ['alice'], zone: 'Europe/Berlin', start: '2026-01-05T08:00', turn: { weeks: 1 }, hours: { from: '08:00', to: '20:00' } }], overrides: [] }],
  levels: [{ targets: [{ schedule: 'primary' }], timeoutMinutes: 5 }],
  repeat: 0,
  autoResolve: false,
  slackChannel: 'C0OPS',
});

let overrides: OnCallOverrides;
const t = timeSkippingIncidents(TASK_QUEUE, {
  activities: () => {
    overrides = new OnCallOverrides(t.ledger.db);
    return coverageCheckActivities({ policies: () => [policy], overrides, ledger: t.ledger, slack: new WebApiSlack(t.slack.token, t.slack.url), channel: 'C0INCIDENTS' });
  },
});

const posts = () => t.slack.callsOf('chat.postMessage').filter((c) => c.args.channel === 'C0OPS');
/**
 * Runs a check through a plain client: the test environment's own skips time while a result is
 * awaited (years, with no timer to stop at), and the check reads the day it runs on.
 */
const check = (workflowId: string) => new Client({ connection: t.env.connection }).workflow.execute(coverageCheck, { taskQueue: TASK_QUEUE, workflowId, args: [{ days: 3 }] });

describe('the daily coverage check', () => {
  it('posts every gap first, then only new ones, once per run, and records each check in the day\'s chain', async () => {
    await t.withWorker(async () => {
      const first = await check('coverage-check-1');
      // Three days from any instant hold three or four nights (one maybe under way).
      expect(first.gaps).toBeGreaterThanOrEqual(3);
      expect(first).toEqual({ gaps: first.gaps, newGaps: first.gaps, posted: 1 });
      expect(posts()).toHaveLength(1);
      expect(String(posts()[0].args.text)).toBe(`Coverage: ${first.gaps} new gap(s) in policy "ops"`);
      expect(JSON.stringify(posts()[0].args.blocks)).toContain('would page nobody: schedule primary has nobody on call');
      expect(JSON.stringify(posts()[0].args.blocks)).toMatch(/<!date\^\d+\^\{date_short_pretty\} \{time\}\|/);

      // Nothing changed: nothing new to post.
      expect(await check('coverage-check-2')).toEqual({ gaps: first.gaps, newGaps: 0, posted: 0 });
      expect(posts()).toHaveLength(1);

      // carol, who has no channel, takes alice's next day: that is new.
      const tomorrowNoon = new Date(Date.now() + 86_400_000);
      tomorrowNoon.setUTCHours(11, 0, 0, 0);
      await overrides.add({
        id: 'ovr-carol',
        policy: 'ops',
        schedule: 'primary',
        responder: 'carol',
        replaces: 'alice',
        from: tomorrowNoon.toISOString(),
        to: new Date(tomorrowNoon.getTime() + 3_600_000).toISOString(),
        reason: 'swap',
        by: 'alice',
        createdAt: new Date().toISOString(),
      });
      expect(await check('coverage-check-3')).toEqual({ gaps: first.gaps + 2, newGaps: 2, posted: 1 });
      expect(posts()).toHaveLength(2);
      const text = JSON.stringify(posts()[1].args.blocks);
      expect(text).toContain('has carol on call, who has no channel');
      expect(text).toContain('may page carol (on call for schedule primary), who has no channel');
      expect(text).not.toContain('schedule primary has nobody on call');

      // The same run again (a retried or repeated workflow id): recorded already, posted once.
      expect(await check('coverage-check-3')).toEqual({ gaps: first.gaps + 2, newGaps: 2, posted: 1 });
      expect(posts()).toHaveLength(2);

      const chain = await t.ledger.timeline(coverageChain(new Date()));
      expect(chain.map((e) => [e.kind, e.stepKey])).toEqual([1, 2, 3].map((n) => ['coverage.gaps', `coverage-check-${n}/coverage.gaps`]));
      const last = chain[2].payload as AuditPayload<'coverage.gaps'>;
      expect(last).toMatchObject({ days: 3, counts: { 'nobody-on-call': first.gaps + 1, unreachable: 1, 'layer-ending': 0 }, posted: [{ policy: 'ops', channel: 'C0OPS', gaps: 2 }] });
    });
  });
});

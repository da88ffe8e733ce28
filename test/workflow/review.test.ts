import { WorkflowNotFoundError } from '@temporalio/common';
import type { WorkflowUpdateFailedError } from '@temporalio/client';
import type { ReviewState } from '../../core/reviews/review';
import { updates } from '../../workflows/messages';
import { reviewMessages, reviewWorkflowId } from '../../workflows/review-messages';
import { timeSkippingIncidents } from '../support/incident-workflows';
import { samplePolicy } from '../support/samples';
import { waitFor } from '../support/waiting';

/** The post-incident review of a resolved incident: owed, late with reminders up the ladder, actions tracked until done. */
const t = timeSkippingIncidents('review-test');
const alice = { responder: 'alice', via: 'cli' as const };
/** The test helper's incidents owe no review unless their policy asks (test/support/incident-workflows.ts). */
const owing = { ...samplePolicy, reviews: { required: true } };
const refusal = (err: unknown) => String((err as WorkflowUpdateFailedError).cause?.message);
const reviewOf = (incidentId: string) => t.env.client.workflow.getHandle(reviewWorkflowId(incidentId));
const reminders = (incidentId: string, what: string) => t.postsFor(incidentId).filter((c) => String(c.args.text).includes(what));
const sleepUntil = async (iso: string) => t.env.sleep(Math.max(1, Date.parse(iso) - (await t.env.currentTimeMs())) + 60_000);

describe('post-incident reviews', () => {
  it('are owed once an incident is resolved, climb the ladder when late, track actions once overdue, and end when complete', async () => {
    await t.withWorker(async () => {
      const { handle, incidentId } = await t.startIncident(owing);
      await handle.executeUpdate(updates.acknowledge, { args: [alice] });
      // Not awaiting the incident's result: the test server skips time while a client awaits one, up to the review's due date.
      await handle.executeUpdate(updates.resolve, { args: [{ by: alice }] });

      const review = await waitFor('the review owed', () => reviewOf(incidentId).query(reviewMessages.review).catch(() => undefined));
      expect(review).toMatchObject({ incidentId, status: 'owed', owner: 'alice', tenant: 'acme', reminders: 0, record: { escalations: 0, failovers: 0 } });
      expect(review.record.minutesToAcknowledge).toBeGreaterThanOrEqual(0);
      // Five business days ahead, at 17:00 in the owner's zone (Europe/Berlin), one reminder per level.
      expect(new Date(review.dueAt).toLocaleString('en-GB', { timeZone: 'Europe/Berlin', weekday: 'short', hour: '2-digit', minute: '2-digit' })).toMatch(/^(Mon|Tue|Wed|Thu|Fri),? 17:00$/);
      expect(review.remindAt).toHaveLength(2);

      // Submitted by someone else than its owner: refused, with the reason.
      const bob = await reviewOf(incidentId).executeUpdate(reviewMessages.submit, { args: [{ by: { responder: 'bob', via: 'cli' }, findings: { summary: 's', rootCause: 'r', contributingFactors: [], wentWell: [], wentBadly: [] } }] }).catch((e: unknown) => e);
      expect(refusal(bob)).toBe(`bob may not submit the review of ${incidentId}: only its owner (alice) or a responder with the incident-commander role may`);
      const past = await reviewOf(incidentId).executeUpdate(reviewMessages.addAction, { args: [{ by: alice, title: 'Key the cache by tenant', owner: 'bob', dueAt: '2020-01-01T00:00:00Z' }] }).catch((e: unknown) => e);
      expect(refusal(past)).toBe('due date 2020-01-01T00:00:00Z is in the past');

      // Late: the first reminder reaches the owner and level 1 (alice), the next adds level 2 (bob).
      await sleepUntil(review.dueAt);
      const first = await waitFor('the first reminder', () => reminders(incidentId, 'Post-incident review late').at(0));
      expect(String(first.args.text)).toContain('<@U0ALICE>');
      expect(String(first.args.text)).not.toContain('<@U0BOB>');
      expect((await reviewOf(incidentId).query(reviewMessages.review)).status).toBe('late');
      await sleepUntil(review.remindAt[1]);
      const second = await waitFor('the second reminder', () => reminders(incidentId, 'reminder 2').at(0));
      expect(String(second.args.text)).toMatch(/<@U0ALICE>.*<@U0BOB>/);

      // An action past its due date reminds its owner once, however long it stays open.
      const now = await t.env.currentTimeMs();
      const action = await reviewOf(incidentId).executeUpdate(reviewMessages.addAction, { args: [{ by: alice, title: 'Key the cache by tenant', owner: 'bob', dueAt: new Date(now + 2 * 86_400_000).toISOString() }] });
      expect(action).toMatchObject({ n: 1, status: 'open' });
      await reviewOf(incidentId).executeUpdate(reviewMessages.submit, { args: [{ by: alice, findings: { summary: 'Rows served across tenants', rootCause: 'a cache key without the tenant', contributingFactors: [], wentWell: ['paged at once'], wentBadly: [] } }] });
      await sleepUntil(action.dueAt);
      await waitFor('the overdue notice', () => reminders(incidentId, 'Follow-up action overdue').length === 1);
      await t.env.sleep('3 days');
      expect(reminders(incidentId, 'Follow-up action overdue')).toHaveLength(1);
      expect((await reviewOf(incidentId).query(reviewMessages.review)).actions[0]).toMatchObject({ overdueAt: expect.any(String), status: 'open' });

      // The last action done: the review is complete and its workflow ends.
      await reviewOf(incidentId).executeUpdate(reviewMessages.completeAction, { args: [{ by: { responder: 'bob', via: 'slack' }, n: 1 }] });
      const ended: ReviewState = await reviewOf(incidentId).result();
      expect(ended).toMatchObject({ status: 'complete', submittedBy: 'alice', reminders: 2 });
      const kinds = await waitFor('the review in the ledger', async () => {
        const k = (await t.ledger.timeline(incidentId)).map((e) => e.kind).filter((x) => x.startsWith('review.'));
        return k.includes('review.action_done') ? k : undefined;
      });
      expect(kinds).toEqual(['review.owed', 'review.reminded', 'review.reminded', 'review.action_added', 'review.submitted', 'review.action_overdue', 'review.action_done']);
    });
  });

  it('are not owed for a false positive', async () => {
    await t.withWorker(async () => {
      const { handle, incidentId } = await t.startIncident(owing);
      await handle.executeUpdate(updates.falsePositive, { args: [{ by: alice, reason: 'a test alert' }] });
      await handle.result();
      await expect(reviewOf(incidentId).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
    });
  });
});

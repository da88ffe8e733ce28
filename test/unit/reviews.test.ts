import type { DrillFacts } from '../../core/drills/drill';
import { Incident } from '../../core/incident/incident';
import { parsePolicyBook } from '../../core/policy/policy-document';
import { defaultPolicy, parseResponders, type Policy } from '../../core/policy/policy';
import { Review, reviewOwner } from '../../core/reviews/review';
import { reviewAudience } from '../../core/reviews/review-audience';
import { reviewSchedule } from '../../core/reviews/review-due';
import { actionChangeSchema, findingsSchema, newActionSchema } from '../../core/reviews/review-input';
import { reviewEmail, reviewSlackMessage } from '../../core/reviews/review-messages';
import { reviewRecord } from '../../core/reviews/review-record';
import { periodMarkdown, periodReport } from '../../core/audit/period-report';
import { sampleAlert, samplePolicy } from '../support/samples';

/** alice and bob on the ladder, carol an incident commander off it, dave nobody's level. */
const policy: Policy = {
  ...defaultPolicy(parseResponders('alice:U0ALICE:Europe/Berlin,bob:U0BOB:America/New_York,carol:U0CAROL:Europe/Berlin:incident-commander,dave:U0DAVE:UTC'), 5),
  levels: [
    { targets: ['alice'], timeoutMinutes: 5 },
    { targets: ['bob'], timeoutMinutes: 5 },
  ],
};
const plain: Policy = { ...policy, responders: policy.responders.map((r) => ({ ...r, roles: undefined })) };
const NOW = '2026-12-07T10:00:00.000Z';
const findings = { summary: 'Rows of one tenant served to another', rootCause: 'a cache key without the tenant', contributingFactors: [], wentWell: ['paged in a minute'], wentBadly: [] };

function owed(p: Policy = policy, owner = 'alice'): Review {
  const record = { escalations: 0, failovers: 0, clocks: [], containment: [] };
  return Review.owe(p, { incidentId: 'inc-acme-0123456789abcdef', tenant: 'acme', title: 'Leak', policyName: p.name, resolvedAt: NOW, owner, dueAt: '2026-12-14T16:00:00.000Z', remindAt: ['2026-12-14T16:00:00.000Z'], record }, NOW);
}
const refusal = (f: () => unknown) => {
  try {
    f();
  } catch (err) {
    return (err as Error).message;
  }
  return 'not refused';
};

describe('post-incident reviews', () => {
  it('are due in business days in the owner\'s zone: weekends and the public holidays of `reviews.holidays` do not count', () => {
    // Wednesday 23 December 2026; Christmas Day (Friday) is a public holiday in Germany, Christmas Eve is not.
    const at = '2026-12-23T10:00:00.000Z';
    const berlin = { zone: 'Europe/Berlin', endOfDay: '17:00', levels: 2 };
    expect(reviewSchedule(at, { dueBusinessDays: 2, drills: false }, berlin)).toEqual({ dueAt: '2026-12-25T16:00:00.000Z', remindAt: ['2026-12-25T16:00:00.000Z', '2026-12-28T16:00:00.000Z'] });
    const withHolidays = reviewSchedule(at, { dueBusinessDays: 2, drills: false, holidays: 'DE' }, berlin);
    // Thursday 24th, then Monday 28th (25th and 26th are holidays, 26th and 27th a weekend); the next reminder a business day later.
    expect(withHolidays).toEqual({ dueAt: '2026-12-28T16:00:00.000Z', remindAt: ['2026-12-28T16:00:00.000Z', '2026-12-29T16:00:00.000Z'] });
    // A fixed reminder interval instead of business days; New York's 17:00 is 22:00 UTC.
    expect(reviewSchedule(at, { dueBusinessDays: 5, drills: false, remindEveryHours: 4 }, { zone: 'America/New_York', endOfDay: '17:00', levels: 3 })).toEqual({
      dueAt: '2026-12-30T22:00:00.000Z',
      remindAt: ['2026-12-30T22:00:00.000Z', '2026-12-31T02:00:00.000Z', '2026-12-31T06:00:00.000Z'],
    });
  });

  it('are owned by the incident commander when the policy names one, else by whoever acknowledged', () => {
    expect(reviewOwner(policy, { acks: [{ by: 'bob' }], resolvedBy: 'alice' })).toBe('carol');
    expect(reviewOwner(plain, { acks: [{ by: 'bob' }], resolvedBy: 'alice' })).toBe('bob');
    expect(reviewOwner(plain, { resolvedBy: 'alice' })).toBe('alice');
  });

  it('are submitted by their owner or an incident commander only, refused with the reason otherwise', () => {
    const review = owed();
    expect(refusal(() => review.submit({ by: { responder: 'bob', via: 'api' }, findings }, NOW))).toBe(
      'bob may not submit the review of inc-acme-0123456789abcdef: only its owner (alice) or a responder with the incident-commander role may',
    );
    expect(refusal(() => review.submit({ by: { responder: 'mallory', via: 'api' }, findings }, NOW))).toMatch(/mallory is not a responder of policy/);
    expect(review.takeEvents().map((e) => e.kind)).toEqual(['review.owed']);
    const done = review.submit({ by: { responder: 'carol', via: 'cli' }, findings }, NOW);
    // No action to wait for: submitted is complete.
    expect(done).toMatchObject({ status: 'complete', submittedBy: 'carol', findings });
    expect(review.takeEvents()).toEqual([expect.objectContaining({ kind: 'review.submitted', actor: { type: 'responder', name: 'carol', via: 'cli' }, payload: expect.objectContaining({ late: false, rootCause: findings.rootCause }) })]);
  });

  it('track follow-up actions: an owner of the policy, a due date ahead and within a year, overdue once, complete when all are done', () => {
    const review = owed();
    const by = { responder: 'alice', via: 'api' as const };
    expect(refusal(() => review.addAction({ by, title: 'Key the cache by tenant', owner: 'zed', dueAt: '2026-12-20T00:00:00Z' }, NOW))).toBe('action owner "zed" is not a responder of policy "default"');
    expect(refusal(() => review.addAction({ by, title: 'Key the cache by tenant', owner: 'bob', dueAt: '2026-12-01T00:00:00Z' }, NOW))).toBe('due date 2026-12-01T00:00:00Z is in the past');
    expect(refusal(() => review.addAction({ by, title: 'Key the cache by tenant', owner: 'bob', dueAt: '2028-01-01T00:00:00Z' }, NOW))).toBe('due date 2028-01-01T00:00:00Z is more than a year away');
    expect(refusal(() => review.addAction({ by, title: 'x', owner: '', dueAt: '' }, NOW))).toBe('an action needs a title, an owner and a due date');
    const a = review.addAction({ by, title: 'Key the cache by tenant', owner: 'bob', dueAt: '2026-12-20T00:00:00Z' }, NOW);
    expect(a).toEqual({ n: 1, title: 'Key the cache by tenant', owner: 'bob', dueAt: '2026-12-20T00:00:00.000Z', status: 'open' });
    review.submit({ by, findings }, NOW);
    expect(review.state.status).toBe('submitted');
    expect(review.nearestActionDue()).toBe('2026-12-20T00:00:00.000Z');
    expect(review.newlyOverdue('2026-12-19T00:00:00.000Z')).toEqual([]);
    expect(review.newlyOverdue('2026-12-21T00:00:00.000Z').map((x) => x.n)).toEqual([1]);
    review.overdue(1, [{ responder: 'bob', channel: 'slack' }], '2026-12-21T00:00:00.000Z');
    expect(review.newlyOverdue('2026-12-22T00:00:00.000Z')).toEqual([]);
    review.completeAction({ by: { responder: 'bob', via: 'slack' }, n: 1 }, '2026-12-22T00:00:00.000Z');
    expect(review.state).toMatchObject({ status: 'complete', completedAt: '2026-12-22T00:00:00.000Z' });
    expect(review.takeEvents().map((e) => e.kind)).toEqual(['review.owed', 'review.action_added', 'review.submitted', 'review.action_overdue', 'review.action_done']);
    expect(refusal(() => review.completeAction({ by, n: 1 }, NOW))).toBe('action 1 is done already');
    // Complete, its workflow ends: an action sent meanwhile would never be tracked.
    expect(refusal(() => review.addAction({ by, title: 'One more thing', owner: 'bob', dueAt: '2026-12-30T00:00:00Z' }, NOW))).toBe('the review of inc-acme-0123456789abcdef is complete: it takes no new action');
    expect(refusal(() => review.completeAction({ by, n: 7 }, NOW))).toBe('the review of inc-acme-0123456789abcdef has no action 7');
  });

  it("answer to the review's owner: a responder who is neither it nor an incident commander cannot add, re-date or close an action, except close one of their own", () => {
    const review = owed(plain, 'alice');
    const [alice, bob, dave] = (['alice', 'bob', 'dave'] as const).map((responder) => ({ responder, via: 'api' as const }));
    const due = '2026-12-20T00:00:00Z';
    expect(refusal(() => review.addAction({ by: dave, title: 'Nothing to do', owner: 'dave', dueAt: due }, NOW))).toBe(
      'dave may not add an action to the review of inc-acme-0123456789abcdef: only its owner (alice) or a responder with the incident-commander role may',
    );
    review.addAction({ by: alice, title: 'Key the cache by tenant', owner: 'bob', dueAt: due }, NOW);
    review.addAction({ by: alice, title: 'Alert on cross-tenant rows', owner: 'alice', dueAt: due }, NOW);
    expect(refusal(() => review.updateAction({ by: dave, n: 1, dueAt: '2027-06-01T00:00:00Z' }, NOW))).toMatch(/^dave may not change action 1 of the review/);
    // Even the action's owner does not move their own due date: the review's owner decides that.
    expect(refusal(() => review.updateAction({ by: bob, n: 1, dueAt: '2027-06-01T00:00:00Z' }, NOW))).toMatch(/^bob may not change action 1 of the review/);
    expect(refusal(() => review.completeAction({ by: dave, n: 1 }, NOW))).toBe(
      "dave may not mark done action 1 of the review of inc-acme-0123456789abcdef: only its owner (alice) or a responder with the incident-commander role may, or the action's owner (bob) mark it done",
    );
    expect(refusal(() => review.completeAction({ by: bob, n: 2 }, NOW))).toMatch(/^bob may not mark done action 2 of the review/);
    expect(review.completeAction({ by: bob, n: 1 }, NOW)).toMatchObject({ status: 'done', doneBy: 'bob' });
    // An incident commander may, on a review owned by someone else.
    const commanded = owed(policy, 'alice');
    expect(commanded.addAction({ by: { responder: 'carol', via: 'api' }, title: 'Rotate the keys', owner: 'dave', dueAt: due }, NOW)).toMatchObject({ n: 1 });
    expect(review.takeEvents().map((e) => `${e.kind} ${e.actor.name}`)).toEqual(['review.owed klaxon', 'review.action_added alice', 'review.action_added alice', 'review.action_done bob']);
  });

  it('hold at most 50 actions: the 51st is refused with the reason, nothing recorded', () => {
    const review = owed();
    const by = { responder: 'alice', via: 'api' as const };
    for (let n = 1; n <= 50; n++) review.addAction({ by, title: `Action ${n}`, owner: 'bob', dueAt: '2026-12-20T00:00:00Z' }, NOW);
    review.takeEvents();
    expect(refusal(() => review.addAction({ by, title: 'One more', owner: 'bob', dueAt: '2026-12-20T00:00:00Z' }, NOW))).toBe('a review holds at most 50 actions');
    expect([review.state.actions.length, review.takeEvents().length]).toEqual([50, 0]);
  });

  it('refuse malformed input with the field named: an action without owner or due date, a bad date, text too long', () => {
    const issues = (r: { success: boolean; error?: { issues: Array<{ path: PropertyKey[]; message: string }> } }) => r.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(issues(newActionSchema.safeParse({ title: 'Rotate the keys' }))).toEqual(['owner: is required (a responder of the policy)', 'dueAt: is required (an instant with its offset, e.g. 2027-01-15T17:00:00Z, or a date, 2027-01-15)']);
    expect(issues(newActionSchema.safeParse({ title: 'Rotate', owner: 'bob', dueAt: 'next week' }))).toEqual(['dueAt: must be an instant with its offset (2027-01-15T17:00:00Z) or a date (2027-01-15)']);
    expect(newActionSchema.parse({ title: 'Rotate', owner: 'bob', dueAt: '2027-01-15' }).dueAt).toBe('2027-01-15T23:59:59.999Z');
    expect(issues(findingsSchema.safeParse({ ...findings, summary: 'x'.repeat(3001), extra: 1 }))).toEqual(['summary: at most 3000 characters', ': Unrecognized key: "extra"']);
    expect(issues(findingsSchema.safeParse({ ...findings, wentWell: Array(21).fill('ok') }))).toEqual(['wentWell: at most 20 items']);
    expect(actionChangeSchema.safeParse({}).success).toBe(false);
    expect(actionChangeSchema.safeParse({ done: true, title: 'x' }).success).toBe(false);
    expect(actionChangeSchema.parse({ done: true })).toEqual({ done: true });
  });

  it('are pre-filled from the incident\'s record: minutes to acknowledge, escalations, failovers, clocks, containment', () => {
    const incident = Incident.open('inc-acme-0123456789abcdef', samplePolicy, sampleAlert({ receivedAt: '2026-11-24T13:59:05.220Z' }), '2026-11-24T14:00:00.000Z');
    incident.acknowledge({ responder: 'alice', via: 'cli' }, '2026-11-24T14:03:30.000Z');
    incident.resolve({ responder: 'alice', via: 'cli' }, '2026-11-24T14:30:00.000Z');
    const record = reviewRecord(incident.snapshot());
    expect(record).toEqual({ minutesToAcknowledge: 3.5, escalations: 0, failovers: 0, clocks: [], containment: [] });
  });

  it('remind up the ladder: the owner and level 1, then level 2; a Slack channel target reaches nobody', () => {
    const names = (n: number) => reviewAudience({ ...policy, levels: [...policy.levels, { targets: [{ slackChannel: 'C0ROOM' }], timeoutMinutes: 5 }] }, 'carol', n, Date.parse(NOW)).map((r) => r.name);
    expect([names(1), names(2), names(3)]).toEqual([['carol', 'alice'], ['carol', 'alice', 'bob'], ['carol', 'alice', 'bob']]);
  });

  it("escape what people wrote in reminders, and mark a drill's", () => {
    const review = owed();
    review.state.title = '<!channel> leak & more';
    review.state.drill = { drillId: 'drill-acme-20261207100000-abcdef' } as DrillFacts;
    const slack = reviewSlackMessage(review.snapshot(), { kind: 'late', sequence: 2 }, ['U0ALICE']);
    expect(slack.text).toMatch(/^DRILL — :memo: \*Post-incident review late\* \(reminder 2\)/);
    expect(slack.text).toContain('&lt;!channel&gt; leak &amp; more');
    expect(slack.text).toContain('<@U0ALICE>');
    const mail = reviewEmail(review.snapshot(), { kind: 'action-overdue', action: { n: 3, title: 'Fix <b>it</b>\r\nBcc: x@y', owner: 'bob', dueAt: NOW, status: 'open' } });
    expect(mail.subject).toBe('[DRILL] [Klaxon] Follow-up action #3 overdue: inc-acme-0123456789abcdef (acme)');
    expect(mail.html).toContain('Fix &#60;b&#62;it&#60;/b&#62;');
  });

  it('flag resolved incidents without a completed review in the period report', () => {
    const states = ['a', 'b', 'c'].map((k) => {
      const incident = Incident.open(`inc-acme-${k.repeat(16)}`, samplePolicy, sampleAlert({ dedupKey: k }), '2026-11-24T14:00:00.000Z');
      if (k !== 'c') incident.resolve({ responder: 'alice', via: 'cli' }, '2026-11-24T14:30:00.000Z');
      return incident.snapshot();
    });
    const report = periodReport(states, '2026-11-01T00:00:00.000Z', '2026-12-01T00:00:00.000Z', new Map([[states[0].incidentId, 'complete']]));
    expect(report.rows.map((r) => r.review)).toEqual(['complete', 'none', 'not owed']);
    expect(report.withoutCompletedReview).toEqual([states[1].incidentId]);
    expect(periodMarkdown(report)).toContain(`**Without a completed post-incident review (1)**: ${states[1].incidentId}`);
  });

  it("do not flag in the period report an incident whose policy says `reviews.required: false`: it never owed one", () => {
    const quiet = { ...samplePolicy, name: 'heartbeats', reviews: { required: false, dueBusinessDays: 5, drills: false } };
    const states = [samplePolicy, quiet].map((p, i) => {
      const incident = Incident.open(`inc-acme-${String(i).repeat(16)}`, p, sampleAlert({ dedupKey: `k${i}` }), '2026-11-24T14:00:00.000Z');
      incident.resolve({ responder: 'alice', via: 'cli' }, '2026-11-24T14:30:00.000Z');
      return incident.snapshot();
    });
    const report = periodReport(states, '2026-11-01T00:00:00.000Z', '2026-12-01T00:00:00.000Z', new Map(), [samplePolicy, quiet]);
    expect(report.rows.map((r) => r.review)).toEqual(['none', 'not owed']);
    expect(report.withoutCompletedReview).toEqual([states[0].incidentId]);
  });

  it('are configured in the policy file, bounded, with the file and field named', () => {
    const file = (reviews: string) => `name: p\nresponders:\n  - { name: alice, slackUserId: U0ALICE, timeZone: UTC }\nlevels:\n  - { targets: [alice], timeoutMinutes: 5 }\nreviews: ${reviews}\n`;
    expect(parsePolicyBook(file('{ dueBusinessDays: 3, drills: true, holidays: DE }'), 'p.yaml').policies[0].reviews).toEqual({ dueBusinessDays: 3, drills: true, holidays: 'DE' });
    expect(() => parsePolicyBook(file('{ dueBusinessDays: 90 }'), 'p.yaml')).toThrow(/p\.yaml:6:\d+: reviews\.dueBusinessDays: .*30/);
    expect(() => parsePolicyBook(file('{ holidays: Atlantis }'), 'p.yaml')).toThrow(/reviews\.holidays: not a jurisdiction the holiday library knows/);
  });
});

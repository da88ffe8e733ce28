import { Pool } from 'pg';
import { createRosterActivities, type RosterActivities } from '../../activities/roster';
import { onCallAt } from '../../core/escalation/schedule';
import { validatePolicy, type Policy } from '../../core/policy/policy';
import { OnCallOverrides } from '../../ledger/oncall-overrides';
import { queries } from '../../workflows/messages';
import { timeSkippingIncidents } from '../support/incident-workflows';
import { register } from '../support/teardown';
import { waitFor } from '../support/waiting';

/**
 * Pinned policy, live roster, on the time-skipping server with the overrides in PostgreSQL: an
 * override taken while an incident is open reaches its next level; the database being away
 * pages the pinned roster and says so; levels without a schedule read nothing.
 */
// The worker's roster read goes through whichever database the test points it at (a real one, or one that refuses connections).
let reader: RosterActivities | undefined;
const t = timeSkippingIncidents('roster-test', {
  activities: () => ({ readLiveRoster: (input: { policy: string; at: string }) => reader!.readLiveRoster(input) }),
});
const { withWorker, startIncident, resolveAndFinish, kinds } = t;

const policy: Policy = validatePolicy({
  name: 'roster',
  responders: [
    { name: 'alice', slackUserId: 'U0ALICE', timeZone: 'Europe/Berlin' },
    { name: 'bob', slackUserId: 'U0BOB', timeZone: 'America/New_York' },
    { name: 'chandra', slackUserId: 'U0CHANDRA', timeZone: 'Asia/Kolkata' },
  ],
  schedules: [{ name: 'primary', layers: [{ name: 'weekly', members: ['alice', 'bob'], zone: 'Europe/Berlin', start: '2026-01-05T09:00', turn: { weeks: 1 } }], overrides: [] }],
  levels: [{ targets: ['alice'], timeoutMinutes: 10 }, { targets: [{ schedule: 'primary' }], timeoutMinutes: 10 }],
  repeat: 0,
  autoResolve: false,
});

type Handle = Awaited<ReturnType<typeof startIncident>>['handle'];
const pagesOf = async (handle: Handle) => (await handle.query(queries.state)).pages;
const pageCount = (handle: Handle, n: number) => waitFor(`${n} page(s)`, async () => ((await pagesOf(handle)).length === n ? pagesOf(handle) : undefined));
/** What each roster read answered, as kept in the incident's history. */
const rosterAnswers = async (handle: Handle): Promise<unknown[]> => {
  const events = (await handle.fetchHistory()).events!;
  const reads = new Set(events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'readLiveRoster').map((e) => String(e.eventId)));
  return events
    .filter((e) => reads.has(String(e.activityTaskCompletedEventAttributes?.scheduledEventId)))
    .map((e) => JSON.parse(Buffer.from(e.activityTaskCompletedEventAttributes!.result!.payloads![0].data!).toString('utf8')));
};
const rosterReads = async (handle: Handle) =>
  (await handle.fetchHistory()).events!.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'readLiveRoster').length;

let overrides: OnCallOverrides;
let n = 0;
const takeOverride = async (from: number, to: number, responder = 'chandra') => {
  const id = `ovr-test${++n}`;
  await overrides.add({ id, policy: 'roster', schedule: 'primary', responder, from: new Date(from).toISOString(), to: new Date(to).toISOString(), reason: 'covering', by: 'alice', createdAt: new Date().toISOString() });
  return id;
};

beforeAll(() => {
  overrides = new OnCallOverrides(t.ledger.db);
});
beforeEach(async () => {
  reader = createRosterActivities(t.ledger.db);
  // The tests share a database: an override an earlier test left live would reach this one's incident.
  await t.ledger.db.query('UPDATE oncall_overrides SET cancelled_at = now() WHERE cancelled_at IS NULL');
});

it("an override taken while the incident is open reaches its next level, read once for that level's page and recorded in its chain", async () => {
  await withWorker(async () => {
    const { handle, incidentId } = await startIncident(policy);
    await pageCount(handle, 1);
    const now = await t.env.currentTimeMs();
    const pinned = onCallAt(policy.schedules![0], now + 10 * 60_000).responder;
    const id = await takeOverride(now, now + 3_600_000);
    await t.env.sleep('10 minutes');
    const pages = await pageCount(handle, 2);
    expect(pages.map((p) => [p.level, p.responder])).toEqual([
      [1, 'alice'],
      [2, 'chandra'],
    ]);
    await waitFor('roster.applied in the ledger', async () => (await kinds(incidentId)).includes('roster.applied'));
    const applied = (await t.ledger.timeline(incidentId)).find((e) => e.kind === 'roster.applied')!;
    expect(applied.payload).toEqual({ level: 2, pass: 1, schedule: 'primary', responder: 'chandra', override: id, instead: pinned });
    // Level 1 names a person: no read; level 2 targets the schedule: one.
    expect(await rosterReads(handle)).toBe(1);
    // The history keeps what paging needs: no reason typed by a person, nor who took it.
    const [answer] = await rosterAnswers(handle);
    expect(answer).toEqual([{ id, policy: 'roster', schedule: 'primary', responder: 'chandra', from: expect.any(String), to: expect.any(String), createdAt: expect.any(String) }]);
    await resolveAndFinish(handle);
  });
});

it('pages the pinned roster, and records why, when the database does not answer', async () => {
  const dead = new Pool({ connectionString: 'postgres://postgres@127.0.0.1:1/test', connectionTimeoutMillis: 500 });
  register(() => dead.end());
  await withWorker(async () => {
    const { handle, incidentId } = await startIncident(policy);
    await pageCount(handle, 1);
    const now = await t.env.currentTimeMs();
    await takeOverride(now, now + 3_600_000);
    reader = createRosterActivities(dead);
    await t.env.sleep('10 minutes');
    const pages = await pageCount(handle, 2);
    expect(pages[1].responder).toBe(onCallAt(policy.schedules![0], Date.parse(pages[1].at)).responder);
    // The ledger is written behind the workflow's state: wait for the second page's record too.
    const k = await waitFor('roster.unavailable and both pages in the ledger', async () => {
      const recorded = await kinds(incidentId);
      return recorded.includes('roster.unavailable') && recorded.filter((kind) => kind === 'responder.paged').length === 2 ? recorded : undefined;
    });
    expect(k).not.toContain('roster.applied');
    expect(k.indexOf('roster.unavailable')).toBeLessThan(k.lastIndexOf('responder.paged'));
    await resolveAndFinish(handle);
  });
});

it('leaves out an override naming someone the pinned policy does not know: the pinned roster pages, roster.ignored is recorded, nothing breaks', async () => {
  await withWorker(async () => {
    const { handle, incidentId } = await startIncident(policy);
    await pageCount(handle, 1);
    const now = await t.env.currentTimeMs();
    // dana joined the policy book after this incident opened: its pinned policy has no dana.
    const id = await takeOverride(now, now + 3_600_000, 'dana');
    await t.env.sleep('10 minutes');
    const pages = await pageCount(handle, 2);
    expect(pages[1]).toMatchObject({ level: 2, responder: onCallAt(policy.schedules![0], Date.parse(pages[1].at)).responder });
    await waitFor('roster.ignored in the ledger', async () => (await kinds(incidentId)).includes('roster.ignored'));
    const ignored = (await t.ledger.timeline(incidentId)).find((e) => e.kind === 'roster.ignored')!;
    expect(ignored.payload).toEqual({ level: 2, pass: 1, schedule: 'primary', responder: 'dana', override: id, reason: 'dana is not a responder of policy "roster" as this incident pinned it' });
    expect(await kinds(incidentId)).not.toContain('roster.applied');
    await resolveAndFinish(handle);
  });
});

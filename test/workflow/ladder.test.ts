import { DateTime } from 'luxon';
import { validatePolicy, type Policy } from '../../core/policy/policy';
import { simulate } from '../../core/policy/simulation';
import { queries, updates } from '../../workflows/messages';
import { timeSkippingIncidents } from '../support/incident-workflows';
import { waitFor } from '../support/waiting';

/**
 * What responders do to a running ladder, and what the ladder does on its own over hours:
 * acknowledgement at each level, lapses, snoozes, reassignment, re-pinning, round-robin,
 * business hours, and a worker restart in the middle, on the time-skipping server.
 */
const t = timeSkippingIncidents('ladder-test');
const { withWorker, startIncident, resolveAndFinish, postsFor, kinds } = t;

const responders = [
  { name: 'alice', slackUserId: 'U0ALICE', timeZone: 'Europe/Berlin' },
  { name: 'bob', slackUserId: 'U0BOB', timeZone: 'America/New_York' },
  { name: 'chandra', slackUserId: 'U0CHANDRA', timeZone: 'Asia/Kolkata' },
];
const ladder = (over: Partial<Policy> = {}): Policy =>
  validatePolicy({
    name: 'ladder',
    responders,
    levels: [{ targets: ['alice'], timeoutMinutes: 10 }, { targets: ['bob'], timeoutMinutes: 10 }, { targets: ['chandra'], timeoutMinutes: 10 }],
    repeat: 0,
    autoResolve: false,
    ...over,
  });

type Handle = Awaited<ReturnType<typeof startIncident>>['handle'];
const pagesOf = async (handle: Handle) => (await handle.query(queries.state)).pages;
const pageCount = (handle: Handle, n: number) => waitFor(`${n} page(s)`, async () => ((await pagesOf(handle)).length === n ? pagesOf(handle) : undefined));

describe('acknowledging at each level', () => {
  it.each([
    [1, 'alice'],
    [2, 'bob'],
    [3, 'chandra'],
  ])('at level %i (%s) stops every later page on every pass', async (level, who) => {
    await withWorker(async () => {
      const { handle, incidentId } = await startIncident(ladder({ repeat: 1 }));
      await pageCount(handle, 1);
      if (level > 1) await t.env.sleep(`${(level - 1) * 10} minutes`);
      await pageCount(handle, level);
      await handle.executeUpdate(updates.acknowledge, { args: [{ responder: who, via: 'cli' }] });
      await t.env.sleep('2 hours');
      expect((await pagesOf(handle)).map((p) => p.responder)).toEqual(['alice', 'bob', 'chandra'].slice(0, level));
      expect(postsFor(incidentId)).toHaveLength(level);
      await resolveAndFinish(handle);
    });
  });
});

describe('after an acknowledgement', () => {
  it('re-triggers from level 1 when the acknowledgement lapses unresolved, and the message says so', async () => {
    await withWorker(async () => {
      const { handle, incidentId } = await startIncident(ladder({ ackTimeoutMinutes: 60 }));
      await pageCount(handle, 1);
      await t.env.sleep('3 minutes');
      await handle.executeUpdate(updates.acknowledge, { args: [{ responder: 'alice', via: 'cli' }] });
      const acked = await handle.query(queries.state);
      expect(acked.nextStep).toMatchObject({ action: 'the acknowledgement lapses: the incident re-triggers from level 1' });
      await t.env.sleep('59 minutes');
      expect(await pagesOf(handle)).toHaveLength(1);
      await t.env.sleep('2 minutes');
      const pages = await pageCount(handle, 2);
      expect(pages[1]).toMatchObject({ responder: 'alice', level: 1 });
      expect(Date.parse(pages[1].at) - Date.parse(acked.acknowledgedAt!)).toBeGreaterThanOrEqual(60 * 60_000);
      expect(await handle.query(queries.state)).toMatchObject({ status: 'triggered', trigger: 2, acks: [{ by: 'alice' }] });
      // A new message was posted for the new trigger (its own idempotency key), not the old one reused.
      expect(postsFor(incidentId)).toHaveLength(2);
      await waitFor('the re-trigger in the ledger', async () => (await kinds(incidentId)).includes('incident.retriggered'));
      await resolveAndFinish(handle);
    });
  });

  it('snoozes for the asked time, refuses longer than policy allows, then pages the same level again', async () => {
    await withWorker(async () => {
      const { handle, incidentId } = await startIncident(ladder({ maxSnoozeMinutes: 120 }));
      await pageCount(handle, 1);
      await t.env.sleep('10 minutes');
      await pageCount(handle, 2);
      const refused = await handle.executeUpdate(updates.snooze, { args: [{ by: { responder: 'bob', via: 'cli' }, minutes: 121 }] }).catch((e: Error) => e);
      expect(String((refused as Error & { cause?: Error }).cause?.message)).toMatch(/a snooze lasts 1 to 120 whole minutes/);
      const { snoozedUntil } = await handle.executeUpdate(updates.snooze, { args: [{ by: { responder: 'bob', via: 'cli' }, minutes: 30 }] });
      expect((await handle.query(queries.state)).status).toBe('snoozed');
      await waitFor('the message to say snoozed', () => t.slack.callsOf('chat.update').some((c) => JSON.stringify(c.args.blocks).includes('Snoozed*') && JSON.stringify(c.args.blocks).includes(incidentId)));
      await t.env.sleep('29 minutes');
      expect(await pagesOf(handle)).toHaveLength(2);
      await t.env.sleep('2 minutes');
      const pages = await pageCount(handle, 3);
      expect(pages[2]).toMatchObject({ responder: 'bob', level: 2 });
      expect(Date.parse(pages[2].at)).toBeGreaterThanOrEqual(Date.parse(snoozedUntil));
      await resolveAndFinish(handle);
    });
  });

  it('reassigns to a person, who is paged at once; the ladder goes on from them', async () => {
    await withWorker(async () => {
      const { handle, incidentId } = await startIncident(ladder());
      await pageCount(handle, 1);
      await handle.executeUpdate(updates.acknowledge, { args: [{ responder: 'alice', via: 'cli' }] });
      expect(await handle.executeUpdate(updates.reassign, { args: [{ by: { responder: 'alice', via: 'cli' }, to: 'chandra' }] })).toMatchObject({ assignedTo: 'chandra' });
      const pages = await pageCount(handle, 2);
      expect(pages[1]).toMatchObject({ responder: 'chandra', level: 1 });
      // The page is recorded as it starts; its message lands a moment later.
      const post = await waitFor('the reassigned page in Slack', () => postsFor(incidentId)[1]);
      expect(JSON.stringify(post.args.blocks)).toContain('<@U0CHANDRA>');
      // Nobody acknowledges the reassignment: level 2 comes after level 1's time.
      await t.env.sleep('10 minutes');
      expect((await pageCount(handle, 3))[2]).toMatchObject({ responder: 'bob', level: 2 });
      await resolveAndFinish(handle);
    });
  });
});

describe('the policy of a running incident', () => {
  it('stays pinned until a responder re-pins it, which is recorded with both hashes', async () => {
    await withWorker(async () => {
      const original = { ...ladder(), hash: 'a'.repeat(64) };
      const { handle, incidentId } = await startIncident(original);
      await pageCount(handle, 1);
      // Owing no review, as startIncident's policies do: a review outliving this test's worker would stall the test server's clock.
      const edited = { ...ladder({ name: 'ladder-v2', levels: [{ targets: ['alice'], timeoutMinutes: 10 }, { targets: ['chandra'], timeoutMinutes: 10 }], reviews: { required: false } }), hash: 'b'.repeat(64) };
      await handle.executeUpdate(updates.repin, { args: [{ by: { responder: 'alice', via: 'cli' }, policy: edited }] });
      await t.env.sleep('10 minutes');
      expect((await pageCount(handle, 2))[1]).toMatchObject({ responder: 'chandra', level: 2 });
      const repinned = await waitFor('the re-pin in the ledger', async () => (await t.ledger.timeline(incidentId)).find((e) => e.kind === 'policy.repinned'));
      expect(repinned.payload).toEqual({ from: { policy: 'ladder', policyHash: 'a'.repeat(64) }, to: { policy: 'ladder-v2', policyHash: 'b'.repeat(64) } });
      expect(repinned.actor).toMatchObject({ name: 'alice', via: 'cli' });
      await resolveAndFinish(handle);
    });
  });
});

describe('the ladder over time', () => {
  it('takes turns in a round-robin level, pass after pass', async () => {
    await withWorker(async () => {
      const { handle } = await startIncident(ladder({ levels: [{ targets: ['alice', 'bob', 'chandra'], timeoutMinutes: 10, roundRobin: true }], repeat: 2 }));
      await pageCount(handle, 1);
      await t.env.sleep('20 minutes');
      const names = (await pageCount(handle, 3)).map((p) => p.responder);
      expect(new Set(names)).toEqual(new Set(['alice', 'bob', 'chandra']));
      await resolveAndFinish(handle);
    });
  });

  it('pages a business-hours level while the window is open and skips it, recorded, once it closed', async () => {
    // A window that closes 15 minutes from the test server's now, read in UTC: pass 1 is inside it, pass 2 is not.
    const now = DateTime.fromMillis(await t.env.currentTimeMs(), { zone: 'utc' });
    const window = { days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const, from: now.minus({ hours: 1 }).toFormat('HH:mm'), to: now.plus({ minutes: 15 }).toFormat('HH:mm') };
    const policy = ladder({
      businessHours: { ...window, days: [...window.days] },
      levels: [{ targets: ['alice'], timeoutMinutes: 10, when: { businessHours: 'UTC' } }, { targets: ['bob'], timeoutMinutes: 10 }],
      repeat: 1,
    });
    await withWorker(async () => {
      const { handle, incidentId } = await startIncident(policy);
      await pageCount(handle, 1);
      await t.env.sleep('20 minutes');
      const pages = await pageCount(handle, 3);
      expect(pages.map((p) => `${p.pass}.${p.level}:${p.responder}`)).toEqual(['1.1:alice', '1.2:bob', '2.2:bob']);
      const skipped = await waitFor('the skip in the ledger', async () => (await t.ledger.timeline(incidentId)).find((e) => e.kind === 'level.skipped'));
      expect(skipped.payload).toEqual({ level: 1, pass: 2, reason: 'outside business hours in UTC' });
      await resolveAndFinish(handle);
    });
  });

  it('pages exactly what `klaxon simulate` says it would, at the same offsets', async () => {
    const policy = ladder({ repeat: 1 });
    await withWorker(async () => {
      const { handle, alert } = await startIncident(policy);
      await pageCount(handle, 1);
      await t.env.sleep('61 minutes');
      const state = await waitFor('exhaustion', async () => {
        const s = await handle.query(queries.state);
        return s.ladderExhausted ? s : undefined;
      });
      const start = Date.parse(state.openedAt);
      const simulated = simulate({ policy, alert, at: state.openedAt }).state.pages;
      const shape = (pages: typeof simulated, from: number) => pages.map((p) => `${p.pass}.${p.level}:${p.responder}@${Math.round((Date.parse(p.at) - from) / 60_000)}min`);
      expect(shape(state.pages, start)).toEqual(shape(simulated, Date.parse(state.openedAt)));
      expect(simulated).toHaveLength(6);
      await resolveAndFinish(handle);
    });
  });

  it('survives a worker restart mid-ladder: no step lost, none repeated', async () => {
    const { handle, incidentId } = await withWorker(async () => {
      const started = await startIncident(ladder());
      await pageCount(started.handle, 1);
      // The worker stops with no activity outstanding: the test server does not skip time past one.
      await waitFor('the first page in the ledger', async () => (await kinds(started.incidentId)).includes('responder.paged'));
      return started;
    }, { maxCachedWorkflows: 0 });
    // The first worker keeps no sticky cache, so the server hands the incident straight to
    // the next, which rebuilds it from its history alone; level 1's timer, started by the first
    // worker, fires under the second. (The test server cannot skip time while nobody takes a
    // due workflow task, so no time passes between the two; the embedded-stack test covers a
    // timer that comes due while everything is down.)
    await withWorker(async () => {
      expect(await pagesOf(handle)).toHaveLength(1);
      await t.env.sleep('10 minutes');
      const pages = await pageCount(handle, 2);
      expect(pages.map((p) => `${p.level}:${p.responder}`)).toEqual(['1:alice', '2:bob']);
      await t.env.sleep('10 minutes');
      expect((await pageCount(handle, 3)).map((p) => p.responder)).toEqual(['alice', 'bob', 'chandra']);
      expect(postsFor(incidentId).map((c) => JSON.stringify(c.args.blocks).match(/<@(U0\w+)>/)![1])).toEqual(['U0ALICE', 'U0BOB', 'U0CHANDRA']);
      await waitFor('the third page in the ledger', async () => (await kinds(incidentId)).filter((k) => k === 'responder.paged').length === 3);
      expect((await kinds(incidentId)).filter((k) => k === 'incident.escalated')).toHaveLength(2);
      await resolveAndFinish(handle);
    });
  });
});

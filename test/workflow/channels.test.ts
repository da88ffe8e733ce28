import { validatePolicy, type Policy } from '../../core/policy/policy';
import { queries, updates } from '../../workflows/messages';
import { PAGERDUTY_ROUTING_KEYS, timeSkippingIncidents } from '../support/incident-workflows';
import { waitFor } from '../support/waiting';

/**
 * Personal notification rules over the three channels, against local servers speaking each
 * protocol: Slack's Web API, PagerDuty's Events API v2 over HTTPS, and SMTP.
 */
const t = timeSkippingIncidents('channels-test');
const { withWorker, startIncident, alertFor, resolveAndFinish, kinds } = t;

const policyFor = (responder: Partial<Policy['responders'][number]>): Policy =>
  validatePolicy({
    name: 'channels',
    responders: [
      { name: 'alice', slackUserId: 'U0ALICE', timeZone: 'Europe/Berlin', pagerDutyService: 'ops', email: 'alice@example.com', ...responder },
      { name: 'bob', slackUserId: 'U0BOB', timeZone: 'America/New_York' },
    ],
    levels: [{ targets: ['alice'], timeoutMinutes: 30 }, { targets: ['bob'], timeoutMinutes: 30 }],
    repeat: 0,
    autoResolve: false,
  });

const stepped = policyFor({
  notify: {
    high: [{ channel: 'slack', afterMinutes: 0 }, { channel: 'pagerduty', afterMinutes: 5 }, { channel: 'email', afterMinutes: 10 }],
    low: [{ channel: 'email', afterMinutes: 0 }],
  },
});

const eventsFor = (incidentId: string) => t.pagerduty.events.filter((e) => e.dedup_key === incidentId);
const mailsFor = (incidentId: string) => t.smtp.mails.filter((m) => m.headers.get('x-klaxon-incident') === incidentId);

describe('notification rules', () => {
  it('reach a responder channel after channel at their minutes, redacted, and PagerDuty follows the acknowledgement and resolution', async () => {
    await withWorker(async () => {
      const { handle, incidentId } = await startIncident(stepped, alertFor({ title: 'Emails of jane@example.com visible\r\nBcc: mallory@evil.example' }));
      await waitFor('the Slack page', async () => (await handle.query(queries.state)).pages[0]?.channel);
      await t.env.sleep('4 minutes');
      expect(eventsFor(incidentId)).toHaveLength(0);
      await t.env.sleep('2 minutes');
      const [trigger] = await waitFor('the PagerDuty trigger', () => (eventsFor(incidentId).length === 1 ? eventsFor(incidentId) : undefined));
      expect(trigger).toMatchObject({ routing_key: PAGERDUTY_ROUTING_KEYS.ops, event_action: 'trigger', dedup_key: incidentId, payload: { severity: 'error', source: 'klaxon', group: 'acme' } });
      expect(String(trigger.payload!.summary)).toBe('SEV2 acme: Emails of [email] visible\r\nBcc: [email]');
      expect(mailsFor(incidentId)).toHaveLength(0);

      await t.env.sleep('5 minutes');
      const [mail] = await waitFor('the email', () => (mailsFor(incidentId).length === 1 ? mailsFor(incidentId) : undefined));
      // No header injection: the alert's line break stays inside the subject, and nobody is Bcc'd.
      expect(mail.subject).toBe('[Klaxon SEV2] acme: Emails of [email] visible Bcc: [email]');
      expect(mail.bcc).toBeUndefined();
      expect(mail.to).toMatchObject({ text: 'alice@example.com' });
      expect(mail.messageId).toMatch(/^<[0-9a-f]{32}@example\.com>$/);
      expect(mail.inReplyTo).toBe(`<${incidentId}@example.com>`);
      expect(mail.text).toContain(`klaxon ack ${incidentId} --as alice`);
      expect(mail.html).toContain('Emails of [email] visible');
      expect(mail.text).not.toContain('jane@example.com');

      await handle.executeUpdate(updates.acknowledge, { args: [{ responder: 'alice', via: 'cli' }] });
      await waitFor('PagerDuty acknowledged', () => eventsFor(incidentId).some((e) => e.event_action === 'acknowledge'));
      await handle.executeUpdate(updates.resolve, { args: [{ by: { responder: 'alice', via: 'cli' } }] });
      await handle.result();
      expect(eventsFor(incidentId).map((e) => e.event_action)).toEqual(['trigger', 'acknowledge', 'resolve']);
      expect((await kinds(incidentId)).filter((k) => k.startsWith('notification.'))).toEqual(['notification.sent', 'notification.sent']);
    });
  });

  it('are all called off by an acknowledgement, which the ledger records', async () => {
    await withWorker(async () => {
      const { handle, incidentId } = await startIncident(stepped);
      await waitFor('the Slack page', async () => (await handle.query(queries.state)).pages[0]?.channel);
      await t.env.sleep('2 minutes');
      await handle.executeUpdate(updates.acknowledge, { args: [{ responder: 'alice', via: 'cli' }] });
      await t.env.sleep('1 hour');
      expect(eventsFor(incidentId)).toHaveLength(0);
      expect(mailsFor(incidentId)).toHaveLength(0);
      const cancelled = await waitFor('the cancellation in the ledger', async () => (await t.ledger.timeline(incidentId)).find((e) => e.kind === 'notification.cancelled'));
      expect(cancelled.payload).toEqual({ status: 'acknowledged', pending: [{ responder: 'alice', channel: 'pagerduty' }, { responder: 'alice', channel: 'email' }] });
      await resolveAndFinish(handle);
    });
  });

  it('follow the urgency: a SEV4 reaches the responder by their low-urgency rules only', async () => {
    await withWorker(async () => {
      const { handle, incidentId } = await startIncident(stepped, alertFor({ severity: 'SEV4' }));
      await waitFor('the email', () => mailsFor(incidentId).length === 1);
      await t.env.sleep('20 minutes');
      expect(t.slack.callsOf('chat.postMessage').filter((c) => JSON.stringify(c.args.blocks).includes(incidentId))).toHaveLength(0);
      expect(eventsFor(incidentId)).toHaveLength(0);
      await resolveAndFinish(handle);
    });
  });
});

describe('failover', () => {
  it.each(['channel_not_found', 'invalid_auth'])('hands the page to the next channel at once when Slack fails for good (%s), recording why', async (slackError) => {
    const fragile = policyFor({
      pagerDutyService: 'billing', // no routing key is configured for it: PagerDuty can never take the page
      notify: { high: [{ channel: 'slack', afterMinutes: 0 }, { channel: 'pagerduty', afterMinutes: 5 }, { channel: 'email', afterMinutes: 15 }] },
    });
    await withWorker(async () => {
      t.slack.failures.set('chat.postMessage', { error: slackError, remaining: 1 });
      try {
        const { handle, incidentId } = await startIncident(fragile);
        // Slack fails, so PagerDuty is tried at once; it fails too, so email goes out at once.
        await waitFor('the email', () => mailsFor(incidentId).length === 1);
        const timeline = await waitFor('the failures in the ledger', async () => {
          const events = await t.ledger.timeline(incidentId);
          return events.some((e) => e.kind === 'notification.sent') ? events : undefined;
        });
        expect(timeline.filter((e) => ['page.failed', 'notification.failed', 'notification.sent'].includes(e.kind)).map((e) => [e.kind, e.payload.channel ?? 'slack', e.payload.failover])).toEqual([
          ['page.failed', 'slack', undefined],
          ['notification.failed', 'pagerduty', 'email'],
          ['notification.sent', 'email', undefined],
        ]);
        expect(String(timeline.find((e) => e.kind === 'notification.failed')!.payload.reason)).toContain('no routing key is configured for PagerDuty service "billing"');
        const state = await handle.query(queries.state);
        expect(Date.parse(state.pages[0].notifications!.at(-1)!.at) - Date.parse(state.pages[0].at)).toBeLessThan(60_000);
        await resolveAndFinish(handle);
      } finally {
        t.slack.failures.delete('chat.postMessage');
      }
    });
  });

  it('waits out PagerDuty rate limits and outages without triggering twice', async () => {
    const pdFirst = policyFor({ notify: { high: [{ channel: 'pagerduty', afterMinutes: 0 }] } });
    await withWorker(async () => {
      t.pagerduty.failures.push(429, 500, 503);
      const { handle, incidentId } = await startIncident(pdFirst);
      await waitFor('the trigger', () => eventsFor(incidentId).length === 1, 30_000);
      await t.env.sleep('10 minutes');
      expect(eventsFor(incidentId)).toHaveLength(1);
      expect(t.pagerduty.failures).toHaveLength(0);
      await resolveAndFinish(handle);
    });
  });
});

describe('tenant isolation', () => {
  it('keeps each tenant\'s notifications to the destinations of its own policy', async () => {
    const forTenant = (tenant: string, channel: string, service: string) =>
      validatePolicy({
        ...policyFor({ pagerDutyService: service, notify: { high: [{ channel: 'slack', afterMinutes: 0 }, { channel: 'pagerduty', afterMinutes: 0 }] } }),
        name: `${tenant}-policy`,
        slackChannel: channel,
      });
    await withWorker(async () => {
      const acme = await startIncident(forTenant('acme', 'C0ACME', 'ops'), alertFor({ tenant: 'acme' }));
      const globex = await startIncident(forTenant('globex', 'C0GLOBEX', 'security'), alertFor({ tenant: 'globex' }));
      await waitFor('both triggers', () => eventsFor(acme.incidentId).length === 1 && eventsFor(globex.incidentId).length === 1);
      const channelsOf = (incidentId: string) => t.slack.callsOf('chat.postMessage').filter((c) => JSON.stringify(c.args.blocks).includes(incidentId)).map((c) => c.args.channel);
      expect(channelsOf(acme.incidentId)).toEqual(['C0ACME']);
      expect(channelsOf(globex.incidentId)).toEqual(['C0GLOBEX']);
      expect(eventsFor(acme.incidentId).map((e) => e.routing_key)).toEqual([PAGERDUTY_ROUTING_KEYS.ops]);
      expect(eventsFor(globex.incidentId).map((e) => e.routing_key)).toEqual([PAGERDUTY_ROUTING_KEYS.security]);
      expect(JSON.stringify(t.slack.callsOf('chat.postMessage').filter((c) => c.args.channel === 'C0ACME'))).not.toContain('globex');
      await resolveAndFinish(acme.handle);
      await resolveAndFinish(globex.handle);
    });
  });
});

describe('Slack rate limits', () => {
  it('are waited out as Retry-After says; the page is posted once, never dropped', async () => {
    await withWorker(async () => {
      t.slack.rateLimits.set('chat.postMessage', { retryAfter: 1, remaining: 2 });
      const started = Date.now();
      const { handle, incidentId } = await startIncident();
      await waitFor('the Slack page', async () => (await handle.query(queries.state)).pages[0]?.channel, 30_000);
      expect(Date.now() - started).toBeGreaterThanOrEqual(2000);
      expect(t.slack.rateLimits.get('chat.postMessage')!.remaining).toBe(0);
      // Two refused attempts and the one that landed: one message in the channel.
      expect(t.slack.callsOf('chat.postMessage').filter((c) => JSON.stringify(c.args.blocks).includes(incidentId))).toHaveLength(3);
      expect([...t.slack.messages.values()].filter((m) => JSON.stringify(m.blocks).includes(incidentId))).toHaveLength(1);
      expect((await t.ledger.timeline(incidentId)).map((e) => e.kind)).not.toContain('page.failed');
      await resolveAndFinish(handle);
    });
  });
});

describe('a crash between sending and recording', () => {
  it('does not page twice: the retried post finds the message that landed', async () => {
    await withWorker(async () => {
      // Slack takes the post, but its answer never comes back (as if the worker died mid-call).
      t.slack.lostAnswers.set('chat.postMessage', 1);
      const { handle, incidentId } = await startIncident();
      await waitFor('the page recorded', async () => (await handle.query(queries.state)).pages[0]?.channel, 30_000);
      expect(t.slack.callsOf('chat.postMessage').filter((c) => JSON.stringify(c.args.blocks).includes(incidentId))).toHaveLength(1);
      expect(t.slack.callsOf('conversations.history').length).toBeGreaterThan(0);
      expect([...t.slack.messages.values()].filter((m) => JSON.stringify(m.blocks).includes(incidentId))).toHaveLength(1);
      await resolveAndFinish(handle);
    });
  });
});

describe('an incident channel', () => {
  const withChannels = validatePolicy({ ...policyFor({}), incidentChannelFor: ['SEV1', 'SEV2'] });
  type Handle = Awaited<ReturnType<typeof startIncident>>['handle'];
  const channelOf = (handle: Handle) =>
    waitFor('the incident channel', async () => {
      const ch = (await handle.query(queries.state)).incidentChannel;
      return ch?.ts ? ch : undefined;
    });

  it('is opened for a SEV1/SEV2: named for the day and tenant, responders invited, the brief pinned and kept true', async () => {
    await withWorker(async () => {
      const { handle, incidentId } = await startIncident(withChannels, alertFor({ severity: 'SEV1' }));
      const state = await waitFor('the channel', async () => {
        const s = await handle.query(queries.state);
        return s.incidentChannel?.ts ? s : undefined;
      });
      const day = state.openedAt.slice(0, 10).replace(/-/g, '');
      expect(state.incidentChannel!.name).toBe(`inc-${day}-acme-${incidentId.slice(-8)}`);
      const channel = t.slack.channels.get(state.incidentChannel!.id)!;
      expect(channel).toMatchObject({ purpose: `Klaxon incident ${incidentId}`, members: ['U0ALICE', 'U0BOB'], pins: [state.incidentChannel!.ts] });
      expect(t.slack.messages.get(state.incidentChannel!.ts!)!.channel).toBe(channel.id);
      await waitFor('the channel in the ledger', async () => (await kinds(incidentId)).includes('slack.channel_opened'));
      await handle.executeUpdate(updates.acknowledge, { args: [{ responder: 'alice', via: 'cli' }] });
      await waitFor('the brief to show the acknowledgement', () => JSON.stringify(t.slack.messages.get(state.incidentChannel!.ts!)!.blocks).includes('Acknowledged* by alice'));
      await resolveAndFinish(handle);
    });
  });

  it('takes the next free name when the name is taken by another channel, and is not opened for a SEV3', async () => {
    await withWorker(async () => {
      const alert = alertFor({ severity: 'SEV2' });
      // Predict the name: the test incident ids end with the counter, the day is the test server's.
      const today = new Date(await t.env.currentTimeMs()).toISOString().slice(0, 10).replace(/-/g, '');
      const { handle, incidentId } = await startIncident(withChannels, alert);
      const opened = await channelOf(handle);
      expect(opened.name.startsWith(`inc-${today}-acme-`)).toBe(true);
      // Another incident whose name is already taken by someone else's channel.
      const second = alertFor({ severity: 'SEV2' });
      const nextId = `inc-channels-test-${Number(incidentId.split('-').at(-1)) + 1}`;
      const taken = `inc-${today}-acme-${nextId.slice(-8)}`;
      t.slack.channels.set('C0SOMEONE', { id: 'C0SOMEONE', name: taken, purpose: 'not Klaxon', members: [], pins: [] });
      const other = await startIncident(withChannels, second);
      expect(other.incidentId).toBe(nextId);
      const got = await channelOf(other.handle);
      expect(got.name).toBe(`${taken}-2`);
      const low = await startIncident(withChannels, alertFor({ severity: 'SEV3' }));
      await waitFor('the SEV3 page', async () => (await low.handle.query(queries.state)).pages[0]?.channel);
      expect((await low.handle.query(queries.state)).incidentChannel).toBeUndefined();
      for (const h of [handle, other.handle, low.handle]) await resolveAndFinish(h);
    });
  });
});

describe('channels that hang or refuse', () => {
  it('retries a PagerDuty request that timed out, and triggers once', async () => {
    const pdFirst = policyFor({ notify: { high: [{ channel: 'pagerduty', afterMinutes: 0 }, { channel: 'email', afterMinutes: 30 }] } });
    await withWorker(async () => {
      // PagerDuty takes the request and never answers; the client gives up after 10 s.
      t.pagerduty.failures.push('hang');
      const { handle, incidentId } = await startIncident(pdFirst);
      await waitFor('the trigger after the timeout', () => eventsFor(incidentId).length === 1, 40_000);
      const sent = await waitFor('the notification in the ledger', async () => (await t.ledger.timeline(incidentId)).find((e) => e.kind === 'notification.sent'));
      expect(sent.payload).toMatchObject({ channel: 'pagerduty' });
      expect((await t.ledger.timeline(incidentId)).map((e) => e.kind)).not.toContain('notification.failed');
      await resolveAndFinish(handle);
    });
  }, 60_000);

  it('records a mailbox the mail server refuses, and hands the page to the next channel', async () => {
    const mailFirst = policyFor({ email: 'gone@example.com', notify: { high: [{ channel: 'email', afterMinutes: 0 }, { channel: 'slack', afterMinutes: 30 }] } });
    await withWorker(async () => {
      t.smtp.refuse.add('gone@example.com');
      const { handle, incidentId } = await startIncident(mailFirst);
      const failed = await waitFor('the refusal in the ledger', async () => (await t.ledger.timeline(incidentId)).find((e) => e.kind === 'notification.failed'));
      expect(failed.payload).toMatchObject({ channel: 'email', failover: 'slack', reason: expect.stringContaining('email to gone@example.com refused') });
      await waitFor('the Slack page instead', async () => (await handle.query(queries.state)).pages[0]?.channel);
      expect(mailsFor(incidentId)).toHaveLength(0);
      await resolveAndFinish(handle);
    });
  });
});

describe('the thread of the incident message', () => {
  it('records each change of status once, even when Slack\'s answer to a reply is lost', async () => {
    await withWorker(async () => {
      const { handle } = await startIncident();
      const root = await waitFor('the page', async () => {
        const p = (await handle.query(queries.state)).pages[0];
        return p?.ts ? p : undefined;
      });
      const replies = () => [...t.slack.messages.values()].filter((m) => m.thread_ts === root.ts).map((m) => m.text.replace(/<!date[^>]*>/, '<date>'));
      t.slack.lostAnswers.set('chat.postMessage', 1);
      await handle.executeUpdate(updates.acknowledge, { args: [{ responder: 'alice', via: 'cli' }] });
      await waitFor('the acknowledgement in the thread', () => replies().length === 1, 30_000);
      await handle.executeUpdate(updates.resolve, { args: [{ by: { responder: 'bob', via: 'cli' }, note: 'keys rotated for jane@example.com' }] });
      await handle.result();
      expect(replies()).toEqual([':eyes: Acknowledged by alice via cli at <date>', ':white_check_mark: Resolved by bob via cli at <date>: keys rotated for [email]']);
      expect(t.slack.callsOf('conversations.replies').length).toBeGreaterThan(0);
    });
  });
});

describe('direct messages', () => {
  it('page a person by DM when the policy says so, and update the DM in place', async () => {
    await withWorker(async () => {
      const { handle } = await startIncident(validatePolicy({ ...policyFor({}), slackPaging: 'dm' }));
      const page = await waitFor('the DM', async () => {
        const p = (await handle.query(queries.state)).pages[0];
        return p?.ts ? p : undefined;
      });
      expect(page.channel).toBe('D0ALICE');
      await handle.executeUpdate(updates.acknowledge, { args: [{ responder: 'alice', via: 'cli' }] });
      await waitFor('the DM to show the acknowledgement', () => JSON.stringify(t.slack.messages.get(page.ts!)!.blocks).includes('Acknowledged* by alice'));
      await resolveAndFinish(handle);
    });
  });
});

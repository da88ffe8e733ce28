import { execFile } from 'node:child_process';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import { apiDepsFromConfig, createApiServer } from '../../client/api/server';
import { Incidents } from '../../client/incidents';
import { SeenDeliveries } from '../../ledger/seen-deliveries';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { IncidentState } from '../../core/incident/incident';
import { RESOLVE_MODAL, SLACK_ACTIONS, SNOOZE_BLOCK_PREFIX } from '../../core/channels/slack-message';
import { signKlaxon, signSlack, slackButtonClick, slackMenuChoice, slackViewSubmission } from '../support/signing';
import { postAlert as postStackAlert, SLACK_SIGNING_SECRET, startTestStack, WEBHOOK_SECRET, type TestStack } from '../support/stack';
import { waitFor } from '../support/waiting';
import { renderIncidentClocks } from '../../client/cli/clocks';

/** The whole slice over HTTP on the real stack (see test/support/stack.ts). */
let stack: TestStack;
let env: TestStack['env'];
let db: TestStack['db'];
let slack: TestStack['slack'];
let incidents: TestStack['incidents'];
let ledger: TestStack['ledger'];
let apiUrl: string;

beforeAll(async () => {
  stack = await startTestStack();
  ({ env, db, slack, incidents, ledger, apiUrl } = stack);
});

afterAll(() => stack?.stop());

/** An incident left open (triggered) by an earlier test, for the refusals below. */
let openIncidentId: string;
let n = 0;
function alertBody(over: Record<string, unknown> = {}): string {
  n += 1;
  return JSON.stringify({
    title: `Customer records of tenant acme served to globex (${n})`,
    severity: 'SEV2',
    tenant: 'acme',
    dedupKey: `integration-${n}`,
    dataCategories: ['personal-data'],
    details: { route: '/api/customers' },
    ...over,
  });
}

const postAlert = (body: string, headers?: Record<string, string>, source?: string) => postStackAlert(apiUrl, body, headers, source);

async function clickButton(userId: string, actionId: string, incidentId: string, secret = SLACK_SIGNING_SECRET) {
  return interact(slackButtonClick(userId, actionId, incidentId), secret);
}

async function interact(form: string, secret = SLACK_SIGNING_SECRET) {
  const res = await fetch(`${apiUrl}/v1/slack/interactions`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...signSlack(secret, form) },
    body: form,
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const messageFor = (incidentId: string) => [...slack.messages.values()].find((m) => JSON.stringify(m.blocks).includes(incidentId));
const workflowCount = async () => (await env.client.workflow.count(`WorkflowType = 'incident'`)).count;
const ledgerRows = async () => Number((await db.pool.query('SELECT count(*) FROM ledger_events')).rows[0].count);

describe('the vertical slice over HTTP', () => {
  it('turns a signed alert into a Slack page that a button click acknowledges, all in the ledger', async () => {
    const body = alertBody();
    const accepted = await postAlert(body);
    expect(accepted).toEqual({ status: 202, body: { incidentId: expect.stringMatching(/^inc-acme-/), deduplicated: false } });
    const incidentId = accepted.body.incidentId as string;

    const page = await waitFor('the Slack page', () => messageFor(incidentId));
    expect(page.channel).toBe('C0INCIDENTS');
    expect(page.text).toContain('<@U0ALICE>');
    const buttons = JSON.stringify(page.blocks);
    expect(buttons).toContain(SLACK_ACTIONS.acknowledge);
    expect(buttons).toContain(SLACK_ACTIONS.resolve);

    const ack = await clickButton('U0ALICE', SLACK_ACTIONS.acknowledge, incidentId);
    expect(ack).toMatchObject({ status: 200, body: { acknowledgedBy: 'alice', alreadyDone: false } });

    await waitFor('the message to show the acknowledgement', () => JSON.stringify(messageFor(incidentId)?.blocks).includes('Acknowledged* by alice'));
    expect(JSON.stringify(messageFor(incidentId)!.blocks)).not.toContain(SLACK_ACTIONS.acknowledge);
    expect((await incidents.state(incidentId)).status).toBe('acknowledged');

    const timeline = await waitFor('the acknowledgement in the ledger', async () => {
      const t = await ledger.timeline(incidentId);
      return t.some((e) => e.kind === 'incident.acknowledged') && t;
    });
    expect(timeline.map((e) => e.kind)).toEqual(['incident.opened', 'alert.received', 'responder.paged', 'incident.acknowledged']);
    expect(timeline[3].actor).toEqual({ type: 'responder', name: 'alice', via: 'slack' });
    expect((await ledger.verify(incidentId)).ok).toBe(true);

    // The Resolve button asks for a note in a modal; submitting it closes the incident.
    expect(await clickButton('U0BOB', SLACK_ACTIONS.resolve, incidentId)).toEqual({ status: 200, body: {} });
    const modal = slack.views.at(-1)!;
    expect(modal).toMatchObject({ type: 'modal', callback_id: RESOLVE_MODAL.callbackId, private_metadata: expect.stringMatching(new RegExp(`^${incidentId} `)) });
    expect((await incidents.state(incidentId)).status).toBe('acknowledged');
    const submitted = await interact(slackViewSubmission('U0BOB', modal, { [RESOLVE_MODAL.block]: { [RESOLVE_MODAL.action]: { type: 'plain_text_input', value: 'route fixed, keys rotated' } } }));
    expect(submitted).toEqual({ status: 200, body: { response_action: 'clear' } });
    const final = (await env.client.workflow.getHandle(incidentId).result()) as IncidentState;
    expect(final).toMatchObject({ status: 'resolved', resolvedBy: 'bob', resolveNote: 'route fixed, keys rotated' });
    // The same key then opens a new incident, as PagerDuty does.

    // The same alert after the resolution opens a new incident (a new run), paged afresh.
    const again = await postAlert(body, { 'klaxon-signature': signKlaxon(WEBHOOK_SECRET, body, Math.floor(Date.now() / 1000) + 1) });
    expect(again.body).toEqual({ incidentId, deduplicated: false });
    expect(await incidents.state(incidentId)).toMatchObject({ status: 'triggered', alertCount: 1 });
    await waitFor('the new page', () => slack.callsOf('chat.postMessage').filter((c) => JSON.stringify(c.args.blocks).includes(incidentId)).length === 2);
    await incidents.change('resolve', incidentId, { by: { responder: 'bob', via: 'cli' } });
    await env.client.workflow.getHandle(incidentId).result();
  });

  it('escalates and snoozes from the message, and shows a refusal in the resolve modal', async () => {
    const { body: { incidentId } } = await postAlert(alertBody());
    const id = String(incidentId);
    const page = await waitFor('the Slack page', () => messageFor(id));
    expect(JSON.stringify(page.blocks)).toContain(SLACK_ACTIONS.escalate);
    expect(await clickButton('U0ALICE', SLACK_ACTIONS.escalate, id)).toMatchObject({ status: 200, body: { fromLevel: 1 } });
    await waitFor('the level-2 page', () => slack.callsOf('chat.postMessage').filter((c) => JSON.stringify(c.args.blocks).includes(id)).length === 2);

    const snoozed = await interact(slackMenuChoice('U0BOB', SLACK_ACTIONS.snooze, `${SNOOZE_BLOCK_PREFIX}${id}`, '30'));
    expect(snoozed).toMatchObject({ status: 200, body: { snoozedUntil: expect.any(String) } });
    expect(Date.parse(String(snoozed.body.snoozedUntil)) - Date.now()).toBeGreaterThan(29 * 60_000);
    await waitFor('the message to say snoozed', () => JSON.stringify(messageFor(id)?.blocks).includes('Snoozed*'));
    const tooLong = await interact(slackMenuChoice('U0BOB', SLACK_ACTIONS.snooze, `${SNOOZE_BLOCK_PREFIX}${id}`, '100000'));
    expect(tooLong).toMatchObject({ status: 403, body: { error: expect.stringContaining('a snooze lasts 1 to 240 whole minutes') } });

    // A stranger's submission is refused inside the modal, and nothing changes.
    await clickButton('U0ALICE', SLACK_ACTIONS.resolve, id);
    const refused = await interact(slackViewSubmission('U0MALLORY', slack.views.at(-1)!, { [RESOLVE_MODAL.block]: { [RESOLVE_MODAL.action]: { type: 'plain_text_input', value: null } } }));
    expect(refused).toMatchObject({ status: 200, body: { response_action: 'errors', errors: { [RESOLVE_MODAL.block]: expect.stringContaining('Slack user U0MALLORY is not a responder') } } });
    expect((await incidents.state(id)).status).toBe('snoozed');
    await incidents.change('resolve', id, { by: { responder: 'bob', via: 'cli' } });
  });

  it('answers Slack by its deadline even when the Update takes longer, and the Update still lands', async () => {
    // A second API on the same stack, whose deadline has always passed.
    const hasty = createApiServer({ ...apiDepsFromConfig(stack.config, incidents), slackDeadlineMs: 0, log: () => undefined });
    hasty.listen(0, '127.0.0.1');
    await once(hasty, 'listening');
    try {
      const { body: { incidentId } } = await postAlert(alertBody());
      const id = String(incidentId);
      await waitFor('the Slack page', () => messageFor(id));
      const form = slackButtonClick('U0ALICE', SLACK_ACTIONS.acknowledge, id);
      const res = await fetch(`http://127.0.0.1:${(hasty.address() as AddressInfo).port}/v1/slack/interactions`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...signSlack(SLACK_SIGNING_SECRET, form) },
        body: form,
      });
      expect({ status: res.status, body: await res.json() }).toEqual({ status: 200, body: { accepted: true, pending: true } });
      await waitFor('the acknowledgement', async () => (await incidents.state(id)).status === 'acknowledged');
      await incidents.change('resolve', id, { by: { responder: 'bob', via: 'cli' } });
    } finally {
      await new Promise((ok) => hasty.close(ok));
    }
  });

  it('answers the /klaxon slash command: status, ack, resolve with a note, and refusals as text', async () => {
    const { body: { incidentId } } = await postAlert(alertBody({ title: 'Orders of jane@example.com shown to globex' }));
    const id = String(incidentId);
    await waitFor('the Slack page', () => messageFor(id));
    // Slack gives every invocation its own trigger_id: two alike are not the same bytes.
    let invocations = 0;
    const command = async (userId: string, text: string, secret = SLACK_SIGNING_SECRET) => {
      const form = new URLSearchParams({ command: '/klaxon', text, user_id: userId, team_id: 'T0TEST', channel_id: 'C0INCIDENTS', response_url: 'https://hooks.slack.invalid/commands/1', trigger_id: `${++invocations}.1.2` }).toString();
      const res = await fetch(`${apiUrl}/v1/slack/commands`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...signSlack(secret, form) }, body: form });
      return { status: res.status, body: (await res.json()) as { response_type?: string; text?: string; error?: string } };
    };
    const status = await command('U0ALICE', `status ${id}`);
    expect(status).toMatchObject({ status: 200, body: { response_type: 'ephemeral' } });
    expect(status.body.text).toContain(`\`${id}\`: triggered`);
    expect(status.body.text).toContain('Orders of [email] shown to globex');
    // Someone outside the incident's policy learns nothing about it, not even that it exists.
    const notYours = 'Refused: that incident does not exist, or you are not a responder of it.';
    expect((await command('U0MALLORY', `status ${id}`)).body.text).toBe(notYours);
    expect((await command('U0MALLORY', `ack ${id}`)).body.text).toBe(notYours);
    expect((await command('U0MALLORY', `resolve ${id}`)).body.text).toBe(notYours);
    expect((await incidents.state(id)).status).toBe('triggered');
    expect((await command('U0ALICE', `ack ${id}`)).body.text).toBe(`\`${id}\` acknowledged by alice: paging stopped.`);
    expect((await command('U0BOB', `resolve ${id} customer notified, route fixed`)).body.text).toBe(`\`${id}\` resolved by bob.`);
    expect(await incidents.state(id)).toMatchObject({ status: 'resolved', resolveNote: 'customer notified, route fixed' });
    expect((await command('U0ALICE', 'dance')).body.text).toContain('needs an incident id');
    expect((await command('U0ALICE', `status inc-acme-0000000000000000`)).body.text).toBe(notYours);
    expect(await command('U0ALICE', `ack ${id}`, 'forged')).toMatchObject({ status: 401 });
  });

  it('shows outside text in Slack as written: a title cannot ping the channel or disguise a link', async () => {
    const hostile = '<!channel> <https://evil.example|click> & more';
    const { body: { incidentId } } = await postAlert(alertBody({ title: hostile, dataCategories: ['<!here>'] }));
    const id = String(incidentId);
    const page = await waitFor('the Slack page', () => messageFor(id));
    // The page of an ordinary incident carries no channel alert and no link of Klaxon's own: any
    // in its text or mrkdwn would be injected (plain_text, such as the header, is never read as markup).
    const blocks = (typeof page.blocks === 'string' ? JSON.parse(page.blocks) : page.blocks) as unknown;
    const mrkdwnTexts = JSON.stringify(blocks).match(/\{"type":"mrkdwn","text":"(?:[^"\\]|\\.)*"\}/g) ?? [];
    expect(mrkdwnTexts.length).toBeGreaterThan(3);
    for (const text of [page.text, ...mrkdwnTexts]) expect(text).not.toMatch(/<!channel>|<!here>|<https:/);
    expect(page.text).toContain('&lt;!channel&gt; &lt;https://evil.example|click&gt; &amp; more');
    const form = new URLSearchParams({ command: '/klaxon', text: `status ${id}`, user_id: 'U0ALICE' }).toString();
    const res = await fetch(`${apiUrl}/v1/slack/commands`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...signSlack(SLACK_SIGNING_SECRET, form) }, body: form });
    const answer = ((await res.json()) as { text: string }).text;
    expect(answer).toContain('&lt;!channel&gt; &lt;https://evil.example|click&gt;');
    expect(answer).not.toMatch(/<!channel>|<https:/);
    await incidents.change('resolve', id, { by: { responder: 'bob', via: 'cli' } });
  });

  it('shows the incident with the CLI, state and timeline in the reader zone', async () => {
    const { body } = await postAlert(alertBody());
    const incidentId = body.incidentId as string;
    await waitFor('the page in the ledger', async () => (await ledger.timeline(incidentId)).some((e) => e.kind === 'responder.paged'));
    const run = (args: string[]) =>
      promisify(execFile)(process.execPath, [join(__dirname, '../../bin/klaxon.cjs'), ...args], {
        env: { ...process.env, TEMPORAL_ADDRESS: env.address, DATABASE_URL: db.url, KLAXON_DATA_DIR: '/nonexistent', TZ: 'UTC' },
      });

    const ack = await run(['ack', incidentId, '--as', 'bob', '--json']);
    expect(JSON.parse(ack.stdout)).toMatchObject({ incidentId, acknowledgedBy: 'bob' });
    // Ledger writes are paced (one batch a second): the acknowledgement reaches it a moment later.
    await waitFor('the acknowledgement in the ledger', async () => (await ledger.timeline(incidentId)).some((e) => e.kind === 'incident.acknowledged'));

    // Each CLI process takes a second or two to start: commands that do not depend on one another
    // run side by side, and what the CLI would only be polled for (visibility, a clock's deadline)
    // is waited for through the same client code in this process, then shown by the CLI once.
    const [human, shown] = await Promise.all([run(['incidents', 'show', incidentId, '--tz', 'Asia/Kolkata']), run(['incidents', 'show', incidentId, '--json'])]);
    expect(human.stdout).toContain(`Incident ${incidentId}`);
    expect(human.stdout).toMatch(/Status:\s+acknowledged/);
    expect(human.stdout).toMatch(/\+05:30 \(Asia\/Kolkata\)\s+paged alice \(level 1, pass 1\)/);
    expect(human.stdout).toContain('acknowledged by bob via cli');
    expect(human.stdout).not.toContain('Next escalation');

    const json = JSON.parse(shown.stdout);
    expect(json.state.acknowledgedBy).toBe('bob');
    expect(json.timeline.map((e: { kind: string }) => e.kind)).toEqual(['incident.opened', 'alert.received', 'responder.paged', 'incident.acknowledged']);

    await waitFor('visibility to list the incident', async () => (await incidents.list({ openOnly: true })).some((r) => r.incidentId === incidentId && r.status === 'acknowledged'));
    // The legal clocks: awareness two hours ago (with a reason) starts GDPR Art. 33's 72 hours.
    const aware = new Date(Date.now() - 2 * 3_600_000).toISOString();
    const [openList, refused, noReason] = await Promise.all([
      run(['incidents', 'list', '--json']),
      run(['ack', incidentId, '--as', 'mallory']).catch((e: { code: number; stderr: string }) => e),
      run(['clocks', 'trigger', incidentId, '--event', 'aware', '--as', 'alice', '--at', aware]).catch((e: { code: number; stderr: string }) => e),
    ]);
    expect(JSON.parse(openList.stdout)).toEqual(expect.arrayContaining([expect.objectContaining({ incidentId, status: 'acknowledged' })]));
    expect(refused).toMatchObject({ code: 1, stderr: expect.stringContaining('mallory is not a responder') });
    expect(noReason).toMatchObject({ code: 1, stderr: expect.stringContaining('needs a reason') });

    const recorded = await run(['clocks', 'trigger', incidentId, '--event', 'aware', '--as', 'alice', '--at', aware, '--reason', 'triage confirmed rows of acme in globex responses']);
    expect(recorded.stdout).toContain('"aware" recorded at');
    expect(recorded.stdout).toContain('clocks started: gdpr-art33');
    const clocksShow = async (): Promise<string> => renderIncidentClocks(await incidents.clocks(incidentId, 'Europe/Berlin'));
    await waitFor('the clock', async () => (await clocksShow()).includes('Due:'));
    const clocks = (await run(['clocks', incidentId, '--tz', 'Europe/Berlin'])).stdout;
    expect(clocks).toContain('Due:');
    expect(clocks).toContain('aware                    ');
    expect(clocks).toContain('by alice — triage confirmed rows of acme in globex responses');
    expect(clocks).toContain('gdpr-art33: Notify the supervisory authority (GDPR)');
    const due = new Date(Date.parse(aware) + 72 * 3_600_000).toISOString().replace('.000Z', 'Z');
    expect(clocks).toContain(`Due:       ${due} (UTC)`);
    // Counsel's decisions: not high risk (no Art. 34 clock); a UK obligation added, then removed, each with a reason.
    const [risk, unexplained] = await Promise.all([
      run(['clocks', 'risk', incidentId, '--high-risk', 'no', '--reasons', 'e-mail addresses only, no credentials', '--as', 'alice']),
      // Refused by the CLI itself, before it reaches the incident.
      run(['clocks', 'obligations', incidentId, '--remove', 'uk-gdpr-art33', '--as', 'alice']).catch((e: { code: number; stderr: string }) => e),
    ]);
    expect(risk.stdout).toBe(`${incidentId}: not high risk; Art. 34 communication: not required.\n`);
    expect(unexplained).toMatchObject({ code: 2, stderr: expect.stringContaining('usage: klaxon clocks obligations') });
    const added = await run(['clocks', 'obligations', incidentId, '--add', 'uk-gdpr-art33', '--reason', 'UK data subjects found in the rows', '--as', 'alice']);
    expect(added.stdout).toBe(`${incidentId}: obligations now gdpr-art33, uk-gdpr-art33. Clocks started: uk-gdpr-art33.\n`);
    await run(['clocks', 'obligations', incidentId, '--remove', 'uk-gdpr-art33', '--reason', 'the rows were test accounts', '--as', 'alice']);
    await waitFor('the withdrawn clock', async () => (await clocksShow()).includes('Withdrawn'));
    // Visibility knows the nearest deadline: 70 hours from now, so within 3 days but not within 1.
    const listed = async (within: string) => JSON.parse((await run(['incidents', 'list', '--deadline-within', within, '--json'])).stdout).map((r: { incidentId: string }) => r.incidentId);
    const deadlineWithin3d = async () => (await incidents.list({ openOnly: true, deadlineBefore: new Date(Date.now() + 3 * 86_400_000) })).some((r) => r.incidentId === incidentId);
    await waitFor('visibility to carry the deadline', deadlineWithin3d);
    const [decided, draft, within3d, within1d] = await Promise.all([
      run(['clocks', incidentId, '--tz', 'Europe/Berlin']).then((r) => r.stdout),
      run(['clocks', 'draft', incidentId, '--regime', 'gdpr-art33']).then((r) => r.stdout),
      listed('3d'),
      listed('1d'),
    ]);
    expect(decided).toContain('Withdrawn');
    expect(decided).toContain('Art. 34: not high risk — ');
    expect(decided).toContain('removed uk-gdpr-art33 ');
    expect(decided).toMatch(/Withdrawn .* by alice: the rows were test accounts/);
    expect(decided).toContain('Obligations: gdpr-art33\n');
    expect(draft).toContain('# Notify the supervisory authority (GDPR)');
    expect(draft).toContain('## likely consequences of the breach (Art. 33(3)(c))\n\n[to be completed');
    expect(draft).toContain(`Due: ${new Date(Date.parse(aware) + 72 * 3_600_000).toISOString()}`);
    expect(within3d).toContain(incidentId);
    expect(within1d).not.toContain(incidentId);
    const filed = await run(['clocks', 'file', incidentId, '--regime', 'gdpr-art33', '--reference', 'BfDI-42', '--as', 'alice', '--attach', 'notice.pdf']);
    expect(filed.stdout).toContain(`${incidentId}: gdpr-art33 filed.`);
    // The CLI's deadline filter was seen both ways above: that the filed deadline leaves visibility is waited for through the same query.
    const [afterFiling] = await Promise.all([
      run(['clocks', incidentId]).then((r) => r.stdout),
      waitFor('the filed deadline to leave visibility', async () => !(await deadlineWithin3d())),
    ]);
    expect(afterFiling).toMatch(/Status: +FILED\n +Filed .* by alice to competent \(lead\) supervisory authority, reference BfDI-42/);
    await incidents.change('resolve', incidentId, { by: { responder: 'bob', via: 'cli' } });
  });

  it('joins repeated alerts to the open incident and ignores a replayed delivery', async () => {
    const body = alertBody();
    const t = Math.floor(Date.now() / 1000);
    const headers = { 'klaxon-signature': signKlaxon(WEBHOOK_SECRET, body, t) };
    const first = await postAlert(body, headers);
    const replay = await postAlert(body, headers);
    // The sender sends the same alert again, signed anew: a second alert, not a replay.
    const resent = await postAlert(body, { 'klaxon-signature': signKlaxon(WEBHOOK_SECRET, body, t - 10) });
    expect(first.body.deduplicated).toBe(false);
    expect(replay.body).toEqual({ incidentId: first.body.incidentId, deduplicated: true, replayed: true });
    expect(resent.body).toEqual({ incidentId: first.body.incidentId, deduplicated: true });
    openIncidentId = first.body.incidentId as string;
    const state = await waitFor('both alerts counted', async () => {
      const s = await incidents.state(openIncidentId);
      return s.alertCount === 2 && s;
    });
    expect(state.alertCount).toBe(2);
    await waitFor('both alerts in the ledger', async () => (await ledger.timeline(openIncidentId)).filter((e) => e.kind === 'alert.received').length === 2);
  });

  it('takes the same signed bytes once: not again after the incident was resolved, nor on another replica, yet again after Temporal refused them', async () => {
    // Another API replica on the same ledger database; `reach` is its Temporal.
    const replica = async (reach: Incidents) => {
      const server = createApiServer({ ...apiDepsFromConfig(stack.config, reach, undefined, new SeenDeliveries(db.pool)), log: () => undefined });
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((ok) => server.close(ok)) };
    };
    const body = alertBody();
    const headers = { 'klaxon-signature': signKlaxon(WEBHOOK_SECRET, body) };
    const cutOff = await replica(new Incidents(new Client({ connection: Connection.lazy({ address: '127.0.0.1:1', interceptors: [] }) }), stack.config.temporal.taskQueue));
    const other = await replica(incidents);
    try {
      expect((await postStackAlert(cutOff.url, body, headers)).status).toBe(503);
      const first = await postAlert(body, headers);
      expect(first).toMatchObject({ status: 202, body: { deduplicated: false } });
      const id = String(first.body.incidentId);
      await waitFor('the Slack page', () => messageFor(id));
      await incidents.change('resolve', id, { by: { responder: 'bob', via: 'cli' } });
      await env.client.workflow.getHandle(id).result();
      const pages = slack.messages.size;

      expect(await postAlert(body, headers)).toEqual({ status: 202, body: { incidentId: id, deduplicated: true, replayed: true } });
      expect(await postStackAlert(other.url, body, headers)).toEqual({ status: 202, body: { incidentId: id, deduplicated: true, replayed: true } });
      expect((await env.client.workflow.count(`WorkflowId = '${id}'`)).count).toBe(1);
      expect((await incidents.state(id)).status).toBe('resolved');
      expect(slack.messages.size).toBe(pages);
    } finally {
      await Promise.all([cutOff.close(), other.close()]);
    }
  });

  describe('bad input gets a 4xx naming the problem, and nothing is recorded', () => {
    let before: { workflows: number; rows: number };
    beforeEach(async () => {
      before = { workflows: await workflowCount(), rows: await ledgerRows() };
    });
    afterEach(async () => {
      expect({ workflows: await workflowCount(), rows: await ledgerRows() }).toEqual(before);
    });

    it.each([
      ['malformed JSON', 400, '{"title": "x",', /malformed JSON/],
      ['a missing field', 422, JSON.stringify({ severity: 'SEV2', tenant: 'acme' }), /title: is required/],
      ['a wrongly typed field', 422, JSON.stringify({ title: 'x', severity: 2, tenant: 'acme' }), /severity: /],
      ['an unknown field', 422, JSON.stringify({ title: 'x', severity: 'SEV2', tenant: 'acme', severty: 1 }), /unknown field\(s\) severty/],
    ])('%s → %i', async (_, status, body, message) => {
      const res = await postAlert(body);
      expect(res.status).toBe(status);
      expect(res.body.error).toMatch(message);
    });

    it.each([
      ['a missing signature', {}, /missing Klaxon-Signature/],
      ['a forged signature', { 'klaxon-signature': signKlaxon('not-the-secret', '{}') }, /does not match/],
      ['a stale signature', 'stale', /five-minute tolerance/],
    ])('%s → 401', async (_, headers, message) => {
      const body = alertBody();
      const h = headers === 'stale' ? { 'klaxon-signature': signKlaxon(WEBHOOK_SECRET, body, Math.floor(Date.now() / 1000) - 301) } : (headers as Record<string, string>);
      const res = await postAlert(body, h);
      expect(res).toMatchObject({ status: 401, body: { error: expect.stringMatching(message) } });
    });

    it('a body over 1 MiB → 413', async () => {
      const body = alertBody({ details: { blob: 'x'.repeat(1024 * 1024) } });
      const res = await postAlert(body);
      expect(res).toMatchObject({ status: 413, body: { error: expect.stringMatching(/exceeds the limit of 1048576 bytes/) } });
    });

    it('an unknown source → 404', async () => {
      const res = await postAlert(alertBody(), undefined, 'nagios');
      expect(res).toMatchObject({ status: 404, body: { error: 'unknown alert source "nagios"; enabled sources: generic, alertmanager, sentry, vercel, nextjs' } });
    });

    it('a Slack click with a bad signature → 401, from an unknown user → 403', async () => {
      const incidentId = openIncidentId;
      expect(await clickButton('U0ALICE', SLACK_ACTIONS.acknowledge, incidentId, 'forged-secret')).toMatchObject({
        status: 401,
        body: { error: 'Slack signature does not match the body' },
      });
      expect(await clickButton('U0MALLORY', SLACK_ACTIONS.acknowledge, incidentId)).toMatchObject({
        status: 403,
        body: { error: expect.stringContaining('Slack user U0MALLORY is not a responder') },
      });
      expect((await incidents.state(incidentId)).status).toBe('triggered');
    });

    it('a click on a resolved incident → 409', async () => {
      const closed = [...slack.messages.values()].map((m) => /Incident `([^`]+)`/.exec(JSON.stringify(m.blocks))?.[1]).find(Boolean)!;
      expect((await incidents.state(closed)).status).toBe('resolved');
      expect(await clickButton('U0ALICE', SLACK_ACTIONS.acknowledge, closed)).toMatchObject({
        status: 409,
        body: { error: `incident ${closed} is closed` },
      });
    });
  });
});

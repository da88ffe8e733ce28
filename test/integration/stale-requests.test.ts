import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeEvent } from '../../client/cli/render';
import { RESOLVE_MODAL, SLACK_ACTIONS } from '../../core/channels/slack-message';
import { signals } from '../../workflows/messages';
import { signSlack, slackButtonClick, slackViewSubmission } from '../support/signing';
import { ALERTMANAGER_TOKEN, postAlert, SLACK_SIGNING_SECRET, startTestStack, type TestStack } from '../support/stack';
import { waitFor } from '../support/waiting';

/**
 * Requests about an earlier run of an incident id (a late or replayed "resolved", a Slack
 * request signed before the run opened) must not change the run that is open now: an id
 * opens a new run once the last one was resolved. Sources may resolve incidents here.
 */
let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({ autoResolve: true });
});
afterAll(() => stack?.stop());

const fixture = (name: string) => JSON.parse(readFileSync(join(__dirname, '../fixtures', name), 'utf8'));
const bearer = { authorization: `Bearer ${ALERTMANAGER_TOKEN}`, 'content-type': 'application/json' };
async function alertmanager(body: unknown) {
  const res = await fetch(`${stack.apiUrl}/v1/alerts/alertmanager`, { method: 'POST', headers: bearer, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

/** An Alertmanager notification of one alert (fingerprint `fp`), firing or resolved at `endsAt`. */
function notification(fp: string, status: 'firing' | 'resolved', endsAt?: string) {
  const body = fixture(status === 'firing' ? 'alertmanager-firing.json' : 'alertmanager-resolved.json');
  const alert = { ...body.alerts[0], labels: { ...body.alerts[0].labels, alertname: 'StaleResolutionCheck' }, fingerprint: fp, status, ...(endsAt ? { endsAt } : {}) };
  return { ...body, status, alerts: [alert] };
}

describe('a source resolution that ended before the current run opened', () => {
  it('is answered as not matched, with the reason, and leaves the newer run open', async () => {
    const fp = 'a1b2c3d4e5f60718';
    const first = await alertmanager(notification(fp, 'firing'));
    const incidentId = first.body.alerts[0].incidentId;
    // An earlier episode of the alert ended five minutes ago; its resolution is still on its way.
    const endedEarlier = notification(fp, 'resolved', new Date(Date.now() - 300_000).toISOString());
    await stack.incidents.change('resolve', incidentId, { by: { responder: 'alice', via: 'cli' } });
    await waitFor('the first run closed', async () => (await stack.env.client.workflow.getHandle(incidentId).describe()).status.name === 'COMPLETED');

    // It fires again: a new run of the same id.
    expect(await alertmanager(notification(fp, 'firing'))).toMatchObject({ status: 202, body: { alerts: [{ incidentId, deduplicated: false }] } });
    // The first resolution arrives again (resent, or delayed): it is about the first run.
    const late = await alertmanager(endedEarlier);
    expect(late).toMatchObject({ status: 202, body: { resolved: [{ incidentId, matched: false }] } });
    expect(late.body.resolved[0].reason).toMatch(/before the incident's current run opened/);
    expect((await stack.incidents.state(incidentId)).status).toBe('triggered');

    // The workflow itself refuses it too (a run may open between the API's check and its signal),
    // and records it as ignored.
    const handle = stack.env.client.workflow.getHandle(incidentId);
    await handle.signal(signals.sourceResolved, { source: 'alertmanager', title: 'late', labels: {}, tenant: 'acme', dedupKey: `alertmanager:${fp}`, deliveryId: 'late-signal', resolvedAt: endedEarlier.alerts[0].endsAt });
    const ignored = await waitFor('the ignored resolution in the ledger', async () => (await stack.ledger.timeline(incidentId)).find((e) => e.payload.deliveryId === 'late-signal'));
    expect(ignored.payload.ignored).toMatch(/about an earlier run/);
    expect(describeEvent(ignored)).toMatch(/^alertmanager reports the alert resolved: ignored, the resolution ended at /);
    expect((await stack.incidents.state(incidentId)).status).toBe('triggered');

    // One that ended now is this run's, and resolves it.
    expect(await alertmanager(notification(fp, 'resolved', new Date().toISOString()))).toMatchObject({ status: 202, body: { resolved: [{ incidentId, matched: true }] } });
    await waitFor('the second run resolved', async () => (await stack.incidents.state(incidentId)).status === 'resolved');
  });
});

/** Posts Slack-signed form bytes as they are (signed now unless `headers` say otherwise): what Slack, or someone replaying it, sends. */
async function slack(path: 'interactions' | 'commands', form: string, headers = signSlack(SLACK_SIGNING_SECRET, form)) {
  const res = await fetch(`${stack.apiUrl}/v1/slack/${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: form });
  return { status: res.status, headers, body: (await res.json()) as Record<string, any> };
}
const slashCommand = (text: string) => new URLSearchParams({ command: '/klaxon', text, user_id: 'U0ALICE', team_id: 'T0TEST', channel_id: 'C0INCIDENTS', response_url: 'https://hooks.slack.invalid/commands/1', trigger_id: `${Date.now()}.1.2` }).toString();

/**
 * Opens an incident of key `key` (a new firing each call: its own delivery, not a resend of the
 * last one, even within the second a signature's timestamp counts) and waits for its first page.
 */
let firings = 0;
async function openIncident(key: string): Promise<string> {
  firings += 1;
  const r = await postAlert(stack.apiUrl, JSON.stringify({ title: `replay check ${key}`, severity: 'SEV2', tenant: 'acme', dedupKey: key, details: { firing: firings } }));
  expect(r.status).toBe(202);
  const incidentId = String(r.body.incidentId);
  await waitFor('the page', async () => (await stack.incidents.state(incidentId)).pages.length > 0);
  return incidentId;
}
const closed = (incidentId: string) => waitFor('the run closed', async () => (await stack.env.client.workflow.getHandle(incidentId).describe()).status.name === 'COMPLETED');
const acks = async (incidentId: string) => (await stack.ledger.timeline(incidentId)).filter((e) => e.kind === 'incident.acknowledged').length;

describe('Slack requests sent again, or signed before the run they would change opened', () => {
  it('a replayed click is answered "already taken" (200, to its sender only) and applies nothing', async () => {
    const incidentId = await openIncident('slack-replay-click');
    const form = slackButtonClick('U0ALICE', SLACK_ACTIONS.acknowledge, incidentId);
    const first = await slack('interactions', form);
    expect(first).toMatchObject({ status: 200, body: { acknowledgedBy: 'alice', alreadyDone: false } });
    const again = await slack('interactions', form, first.headers);
    expect(again).toMatchObject({ status: 200, body: { response_type: 'ephemeral', text: expect.stringMatching(/already taken/) } });
    // A double click is two requests Slack signs with different bytes: the second is answered as done already.
    expect(await slack('interactions', slackButtonClick('U0ALICE', SLACK_ACTIONS.acknowledge, incidentId))).toMatchObject({ status: 200, body: { alreadyDone: true } });
    await waitFor('the acknowledgement in the ledger', async () => (await acks(incidentId)) > 0);
    expect(await acks(incidentId)).toBe(1);
  });

  it('a replayed `/klaxon resolve` does not resolve the run opened after it', async () => {
    const incidentId = await openIncident('slack-replay-command');
    const form = slashCommand(`resolve ${incidentId} done`);
    const first = await slack('commands', form);
    expect(first).toMatchObject({ status: 200, body: { text: expect.stringMatching(/resolved by alice/) } });
    await closed(incidentId);
    expect(await openIncident('slack-replay-command')).toBe(incidentId);
    const replay = await slack('commands', form, first.headers);
    expect(replay).toMatchObject({ status: 200, body: { response_type: 'ephemeral', text: expect.stringMatching(/already taken/) } });
    expect((await stack.incidents.state(incidentId)).status).toBe('triggered');
  });

  it('a click or command signed before the current run opened does not act on it', async () => {
    const incidentId = await openIncident('slack-signed-before');
    // Signed while the first run was open, and held back (never delivered then).
    const signedAt = Math.floor(Date.now() / 1000);
    const click = slackButtonClick('U0ALICE', SLACK_ACTIONS.acknowledge, incidentId);
    const command = slashCommand(`resolve ${incidentId} held back`);
    await stack.incidents.change('resolve', incidentId, { by: { responder: 'alice', via: 'cli' } });
    await closed(incidentId);
    // Slack's timestamp has whole seconds: the new run opens in a later one.
    await new Promise((ok) => setTimeout(ok, 1100));
    expect(await openIncident('slack-signed-before')).toBe(incidentId);

    const late = await slack('interactions', click, signSlack(SLACK_SIGNING_SECRET, click, signedAt));
    expect(late.status).toBe(409);
    expect(late.body.error).toMatch(/before incident .* opened again/);
    const lateCommand = await slack('commands', command, signSlack(SLACK_SIGNING_SECRET, command, signedAt));
    expect(lateCommand).toMatchObject({ status: 200, body: { text: expect.stringMatching(/Refused: this request was made .* before incident/) } });
    const state = await stack.incidents.state(incidentId);
    expect(state.status).toBe('triggered');
    expect(state.acknowledgedBy).toBeUndefined();
    // A resolve form opened on the first run resolves only that one, whenever it is submitted.
    await stack.incidents.change('resolve', incidentId, { by: { responder: 'alice', via: 'cli' } });
    await closed(incidentId);
    expect(await openIncident('slack-signed-before')).toBe(incidentId);
    expect(await slack('interactions', slackButtonClick('U0ALICE', SLACK_ACTIONS.resolve, incidentId))).toMatchObject({ status: 200 });
    const form = stack.slack.views.at(-1)!;
    await stack.incidents.change('resolve', incidentId, { by: { responder: 'alice', via: 'cli' } });
    await closed(incidentId);
    expect(await openIncident('slack-signed-before')).toBe(incidentId);
    const submitted = await slack('interactions', slackViewSubmission('U0ALICE', form, { [RESOLVE_MODAL.block]: { [RESOLVE_MODAL.action]: { type: 'plain_text_input', value: 'done' } } }));
    expect(submitted).toMatchObject({ status: 200, body: { response_action: 'errors' } });
    expect((await stack.incidents.state(incidentId)).status).toBe('triggered');

    // A click on the new run's page is taken.
    expect(await slack('interactions', slackButtonClick('U0ALICE', SLACK_ACTIONS.acknowledge, incidentId))).toMatchObject({ status: 200, body: { acknowledgedBy: 'alice' } });
  });
});

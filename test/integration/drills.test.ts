import type { IncidentState } from '../../core/incident/incident';
import { SLACK_ACTIONS } from '../../core/channels/slack-message';
import { ApiTokens } from '../../ledger/api-tokens';
import { signSlack, slackButtonClick } from '../support/signing';
import { SLACK_SIGNING_SECRET, startTestStack, type TestStack } from '../support/stack';
import { waitFor } from '../support/waiting';

/** A drill through the API on the real stack (dev server, PostgreSQL, the Slack stand-in), acknowledged from Slack. */
let stack: TestStack;
const tokens: Record<'acme' | 'globex', string> = { acme: '', globex: '' };

beforeAll(async () => {
  stack = await startTestStack();
  const store = new ApiTokens(stack.db.pool);
  for (const tenant of ['acme', 'globex'] as const) {
    tokens[tenant] = (await store.create(`${tenant}-drills`, ['incidents:write', 'incidents:read'], { responder: 'alice', tenants: [tenant], expiresAt: new Date(Date.now() + 86_400_000) })).token;
  }
});
afterAll(() => stack?.stop());

const SCENARIO = `name: api-drill
tenant: acme
alert: { title: Customer emails exposed to globex, severity: SEV2, dataCategories: [personal-data] }
`;

async function api(path: string, token: string, body?: object) {
  const res = await fetch(`${stack.apiUrl}${path}`, {
    method: body ? 'POST' : 'GET',
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function click(userId: string, id: string) {
  const form = slackButtonClick(userId, SLACK_ACTIONS.acknowledge, id);
  const res = await fetch(`${stack.apiUrl}/v1/slack/interactions`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...signSlack(SLACK_SIGNING_SECRET, form) }, body: form });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('drills over the API', () => {
  it('start with POST /v1/drills, page Slack marked DRILL, are acknowledged by a signed button click, and stay out of incident lists', async () => {
    const started = await api('/v1/drills', tokens.acme, { policy: 'default', scenario: SCENARIO });
    expect(started).toEqual({ status: 201, body: { drillId: expect.stringMatching(/^drill-acme-\d{14}-[0-9a-f]{6}$/), policy: 'default' } });
    const drillId = String(started.body.drillId);

    const page = await waitFor('the Slack page', () => [...stack.slack.messages.values()].find((m) => JSON.stringify(m.blocks).includes(drillId)));
    expect(page.text.startsWith('DRILL — ')).toBe(true);
    expect(JSON.stringify(page.blocks)).toContain('"text":"DRILL — SEV2: Customer emails exposed to globex"');

    expect(await click('U0ALICE', drillId)).toMatchObject({ status: 200, body: { acknowledgedBy: 'alice', alreadyDone: false } });
    expect((await stack.incidents.state(drillId)).status).toBe('acknowledged');
    const pages = () => stack.slack.callsOf('chat.postMessage').filter((c) => JSON.stringify(c.args.blocks).includes(drillId)).length;
    const paged = pages();

    // Once visibility lists the drill among drills, it is still in no list of incidents.
    const drills = await waitFor('the drill in the drill list', async () => {
      const r = await api('/v1/drills', tokens.acme);
      return (r.body.drills as Array<{ drillId: string }>).some((d) => d.drillId === drillId) && r;
    });
    expect(drills.status).toBe(200);
    const listed = await api('/v1/incidents?all=true', tokens.acme);
    expect(listed.status).toBe(200);
    expect(JSON.stringify(listed.body)).not.toContain(drillId);
    expect(await api(`/v1/drills/${drillId}`, tokens.acme)).toMatchObject({ status: 200, body: { drill: { incidentId: drillId, status: 'acknowledged', drill: { scenario: 'api-drill', startedBy: 'alice' } } } });

    const timeline = await waitFor('the ledger', async () => {
      const events = await stack.ledger.timeline(drillId);
      return events.some((e) => e.kind === 'incident.acknowledged') && events;
    });
    expect(timeline.map((e) => e.kind).slice(0, 2)).toEqual(['drill.started', 'incident.opened']);
    // Acknowledged: the ladder pages nobody else (bob is level 2 after 5 minutes; nothing more is posted).
    expect(pages()).toBe(paged);

    await stack.incidents.change('resolve', drillId, { by: { responder: 'alice', via: 'cli' } });
    const final = (await stack.env.client.workflow.getHandle(drillId).result()) as IncidentState;
    expect(final.status).toBe('resolved');
  });

  it('refuse an unknown policy, a wrong scenario field (with file, line and field), and other tenants', async () => {
    const unknown = await api('/v1/drills', tokens.acme, { policy: 'nope', scenario: SCENARIO });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toMatch(/policy "nope" does not exist/);

    const wrong = await api('/v1/drills', tokens.acme, { policy: 'default', scenario: SCENARIO.replace('severity: SEV2', 'severity: SEV9') });
    expect(wrong).toMatchObject({ status: 400, body: { file: 'scenario', line: 3, field: 'alert.severity' } });
    expect(wrong.body.error).toMatch(/^scenario:3: alert\.severity: /);

    const stranger = await api('/v1/drills', tokens.acme, { policy: 'default', scenario: `${SCENARIO}injects:\n  - { at: 0m, kind: responder-silent, responder: mallory }\n` });
    expect(stranger).toMatchObject({ status: 400, body: { error: 'the scenario\'s responder-silent inject names "mallory", who is not a responder of policy "default"' } });

    expect(await api('/v1/drills', tokens.globex, { policy: 'default', scenario: SCENARIO })).toMatchObject({ status: 403, body: { error: expect.stringMatching(/may not drill tenant "acme"/) } });
    const { body } = await api('/v1/drills', tokens.acme, { policy: 'default', scenario: SCENARIO });
    const drillId = String(body.drillId);
    expect(await api(`/v1/drills/${drillId}`, tokens.globex)).toMatchObject({ status: 404, body: { error: `drill ${drillId} was not found` } });
    expect(JSON.stringify((await api('/v1/drills', tokens.globex)).body)).not.toContain(drillId);
    await stack.incidents.change('resolve', drillId, { by: { responder: 'alice', via: 'cli' } });
    await stack.env.client.workflow.getHandle(drillId).result();
  });
});

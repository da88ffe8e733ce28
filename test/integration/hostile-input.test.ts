import { createHmac } from 'node:crypto';
import { describeEvent } from '../../client/cli/render';
import { ApiTokens } from '../../ledger/api-tokens';
import { MAX_JSON_DEPTH } from '../../core/shared/bounded-json';
import { MAX_DATA_CATEGORIES, MAX_DATA_CATEGORIES_BYTES } from '../../core/alerts/data-categories';
import { TEXT_LIMITS } from '../../core/shared/free-text';
import { SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';
import { waitFor } from '../support/waiting';
import { PagerDutyStandIn } from '../support/pagerduty-stand-in';
import { signKlaxon, signSlack } from '../support/signing';
import { postAlert, SLACK_SIGNING_SECRET, startTestStack, VERCEL_SECRET, WEBHOOK_SECRET, type TestStack } from '../support/stack';

/**
 * Signed or authorised input of odd shapes (null where an object belongs, numbers where text
 * belongs, numbers out of any range, nesting thousands deep) is the sender's mistake: a 4xx
 * naming the problem, never a 5xx and never a 503 that invites a retry.
 */
const PAGERDUTY_SECRET = 'pd-webhook-secret-hostile';
const pagerduty = new PagerDutyStandIn();
let stack: TestStack;
let reader: string;
let writer: string;

beforeAll(async () => {
  await pagerduty.start();
  stack = await startTestStack({ pagerduty: { standIn: pagerduty, routingKeys: 'ops=R0OPSHOSTILE00000000000000000000', webhookSecrets: PAGERDUTY_SECRET } });
  const tokens = new ApiTokens(stack.db.pool);
  reader = (await tokens.create('hostile-reader', ['incidents:read', 'audit:read'])).token;
  writer = (await tokens.create('hostile-writer', ['incidents:write'], { responder: 'alice' })).token;
});
afterAll(async () => {
  await stack?.stop();
  await pagerduty.stop();
});

/** JSON text nested `depth` objects deep (JSON.stringify itself runs out of stack on such values). */
const nested = (depth: number): string => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
/** `JSON.stringify(value)` with `"$NESTED"` replaced by the nested text. */
const withNested = (value: unknown, depth: number): string => JSON.stringify(value).replace('"$NESTED"', nested(depth));

async function answer(res: Response): Promise<{ status: number; error: string }> {
  const body = (await res.json()) as { error?: string };
  return { status: res.status, error: body.error ?? '' };
}

describe('Slack interactions with odd payloads', () => {
  const interact = async (payload: string) => {
    const body = new URLSearchParams({ payload }).toString();
    const res = await fetch(`${stack.apiUrl}/v1/slack/interactions`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...signSlack(SLACK_SIGNING_SECRET, body) }, body });
    return answer(res);
  };
  const user = { id: 'U0ALICE' };

  it.each([
    ['payload=null', 'null', /payload/],
    ['a payload that is a number', '42', /payload/],
    ['actions as an object', JSON.stringify({ type: 'block_actions', user, actions: {} }), /actions/],
    ['a numeric button value', JSON.stringify({ type: 'block_actions', user, actions: [{ action_id: 'klaxon_acknowledge', value: 123 }] }), /value/],
    ['a numeric block_id', JSON.stringify({ type: 'block_actions', user, actions: [{ action_id: 'klaxon_snooze', block_id: 7, selected_option: { value: '15' } }] }), /block_id/],
    ['a null user', JSON.stringify({ type: 'block_actions', user: null, actions: [] }), /user/],
    ['a numeric modal value', JSON.stringify({ type: 'view_submission', user, view: { callback_id: 'klaxon_resolve_modal', private_metadata: 'inc-x', state: { values: { note: { note: { value: 5 } } } } } }), /value/],
    ['a snooze of 1e300 minutes', JSON.stringify({ type: 'block_actions', user, actions: [{ action_id: 'klaxon_snooze', block_id: 'klaxon_snooze:inc-x', selected_option: { value: '1e300' } }] }), /minutes/],
    ['nesting 5,000 deep', withNested({ type: 'block_actions', user, actions: [], extra: '$NESTED' }, 5000), new RegExp(`deeper than ${MAX_JSON_DEPTH}`)],
  ])('%s → 400 naming the problem', async (_, payload, why) => {
    const r = await interact(payload);
    expect(r.status).toBe(400);
    expect(r.error).toMatch(why);
  });
});

describe('the compliance REST API with odd queries and bodies', () => {
  const get = async (path: string) => answer(await fetch(`${stack.apiUrl}${path}`, { headers: { authorization: `Bearer ${reader}` } }));

  it.each(['1e308', 'Infinity', '-1', 'NaN', '1e3000', '0', '', '0x10', '1e5x'])('deadlineWithinHours=%s → 400 naming the parameter', async (hours) => {
    const r = await get(`/v1/incidents?deadlineWithinHours=${encodeURIComponent(hours)}`);
    expect(r.status).toBe(400);
    expect(r.error).toMatch(/deadlineWithinHours/);
  });

  it('still takes a sensible deadlineWithinHours', async () => {
    expect((await get('/v1/incidents?deadlineWithinHours=72')).status).toBe(200);
    expect((await get('/v1/incidents?deadlineWithinHours=0.5')).status).toBe(200);
  });

  it.each([
    ['an unknown parameter', '/v1/incidents?tennant=acme', /unknown query parameter.*tennant/],
    ['a repeated single parameter', '/v1/incidents?tenant=a&tenant=b', /tenant.*once/],
    ['all=maybe', '/v1/incidents?all=maybe', /all/],
    ['a period with a year out of range', '/v1/evidence?since=%2B275760-09-14T00:00:00Z&until=2026-01-01T00:00:00Z', /since/],
    ['an unknown format', '/v1/evidence?since=2026-01-01T00:00:00Z&until=2026-02-01T00:00:00Z&format=pdf', /format/],
  ])('%s → 400 naming it', async (_, path, why) => {
    const r = await get(path);
    expect(r.status).toBe(400);
    expect(r.error).toMatch(why);
  });

  it.each([
    ['null', 'null', /object/],
    ['an array', '[]', /object/],
    ['a number', '5', /object/],
    ['a nested note', withNested({ note: '$NESTED' }, 3), /note/],
    ['nesting 5,000 deep', nested(5000), new RegExp(`deeper than ${MAX_JSON_DEPTH}`)],
  ])('a resolve body of %s → 4xx naming the problem', async (_, body, why) => {
    const res = await fetch(`${stack.apiUrl}/v1/incidents/inc-hostile-none/resolve`, { method: 'POST', headers: { authorization: `Bearer ${writer}`, 'content-type': 'application/json' }, body });
    const r = await answer(res);
    expect(r.status).toBeGreaterThanOrEqual(400);
    expect(r.status).toBeLessThan(500);
    expect(r.error).toMatch(why);
  });
});

describe('tokens past their time', () => {
  it('are refused with 401 saying when they expired, and nothing is read or changed', async () => {
    const tokens = new ApiTokens(stack.db.pool);
    const expired = (await tokens.create('hostile-expired', ['incidents:read', 'incidents:write'], { responder: 'alice', expiresAt: new Date(Date.now() - 60_000) })).token;
    const live = (await tokens.create('hostile-live', ['incidents:read'], { expiresAt: new Date(Date.now() + 86_400_000) })).token;
    const get = (bearer: string) => fetch(`${stack.apiUrl}/v1/incidents`, { headers: { authorization: `Bearer ${bearer}` } });
    const refused = await get(expired);
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { error: string }).error).toMatch(/^token "hostile-expired" expired at 20\d\d-/);
    const write = await fetch(`${stack.apiUrl}/v1/incidents/inc-hostile-none/acknowledge`, { method: 'POST', headers: { authorization: `Bearer ${expired}` } });
    expect(write.status).toBe(401);
    expect((await get(live)).status).toBe(200);
  });
});

describe('alerts nested thousands deep', () => {
  const deep = (depth: number) => withNested({ title: 'deep', severity: 'SEV3', tenant: 'acme', dedupKey: `deep-${depth}`, details: '$NESTED' }, depth);

  it('are refused with 400 naming the depth limit, not 503 "retry later"', async () => {
    const r = await postAlert(stack.apiUrl, deep(5000));
    expect(r.status).toBe(400);
    expect(r.body.error).toMatch(new RegExp(`nested deeper than ${MAX_JSON_DEPTH} levels`));
  });

  it('are taken up to the documented depth', async () => {
    // The body's own object is the first level.
    const r = await postAlert(stack.apiUrl, deep(MAX_JSON_DEPTH - 1));
    expect(r.status).toBe(202);
    expect((await postAlert(stack.apiUrl, deep(MAX_JSON_DEPTH))).status).toBe(400);
  });

  it('in a Vercel drain line or a PagerDuty webhook are refused the same way', async () => {
    const line = withNested({ id: 'x', message: 'm', timestamp: Date.now(), projectId: 'p', source: 'lambda', extra: '$NESTED' }, 5000);
    const vercel = await fetch(`${stack.apiUrl}/v1/alerts/vercel`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson', 'x-vercel-signature': createHmac('sha1', VERCEL_SECRET).update(line).digest('hex') }, body: line });
    expect(await answer(vercel)).toMatchObject({ status: 400, error: expect.stringMatching(/deeper than/) });
    const event = withNested({ event: { id: 'e', event_type: 'incident.acknowledged', data: '$NESTED' } }, 5000);
    const pd = await fetch(`${stack.apiUrl}/v1/pagerduty/webhooks`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-pagerduty-signature': `v1=${createHmac('sha256', PAGERDUTY_SECRET).update(event).digest('hex')}` }, body: event });
    expect(await answer(pd)).toMatchObject({ status: 400, error: expect.stringMatching(/deeper than/) });
  });

  it('leave a signed alert of ordinary depth unaffected', async () => {
    const body = JSON.stringify({ title: 'ordinary', severity: 'SEV3', tenant: 'acme', dedupKey: 'ordinary', details: { a: { b: [1, { c: 'x' }] } } });
    const r = await postAlert(stack.apiUrl, body, { 'klaxon-signature': signKlaxon(WEBHOOK_SECRET, body) });
    expect(r.status).toBe(202);
  });
});

describe('alerts naming many long data categories', () => {
  it("leave the incident paging, acknowledgeable and resolvable, its search attributes within Temporal's limits", async () => {
    // Each alert names the most categories of the longest length a sender may: together
    // (and the first alone) more than Temporal takes in one search-attribute value (2 KB).
    const categories = (alert: number) => Array.from({ length: 32 }, (_, i) => `c${alert}-${i}-`.padEnd(TEXT_LIMITS.dataCategory, 'x'));
    const ids: string[] = [];
    for (let a = 0; a < 3; a++) {
      const body = JSON.stringify({ title: 'categories', severity: 'SEV2', tenant: 'acme', dedupKey: 'many-categories', dataCategories: a === 2 ? [...categories(a).slice(1), 'health'] : categories(a) });
      const r = await postAlert(stack.apiUrl, body);
      expect(r.status).toBe(202);
      ids.push(String(r.body.incidentId));
    }
    const incidentId = ids[0];
    expect(new Set(ids)).toEqual(new Set([incidentId]));
    const state = await waitFor('the three alerts counted', async () => {
      const s = await stack.incidents.state(incidentId);
      return s.alertCount === 3 && s;
    });
    await waitFor('the level-1 page in Slack', () => stack.slack.callsOf('chat.postMessage').find((c) => JSON.stringify(c.args.blocks).includes(incidentId)));
    // The first categories are kept up to the documented bounds; the rest are counted, and a
    // category a rule matches on (health: HIPAA) is kept however many came before it.
    expect(state.dataCategories.length).toBeLessThanOrEqual(MAX_DATA_CATEGORIES + 1);
    expect(Buffer.byteLength(state.dataCategories.join(''))).toBeLessThanOrEqual(MAX_DATA_CATEGORIES_BYTES + 'health'.length);
    expect(state.dataCategories[0]).toBe(categories(0)[0]);
    expect(state.dataCategories).toContain('health');
    expect(state.dataCategories.length + state.dataCategoriesNotKept!).toBe(3 * 32);
    const timeline = await waitFor('the bound in the ledger', async () => {
      const t = await stack.ledger.timeline(incidentId);
      return t.some((e) => e.kind === 'incident.data_categories_not_kept') && t;
    });
    const notKept = timeline.filter((e) => e.kind === 'incident.data_categories_not_kept');
    expect(notKept).toHaveLength(1);
    expect(describeEvent(notKept[0])).toMatch(/^data categories beyond the first 16 not kept: an incident keeps at most 32 data categories, 1024 bytes/);

    expect(await stack.incidents.change('acknowledge', incidentId, { slackUserId: 'U0ALICE', via: 'slack' })).toMatchObject({ acknowledgedBy: 'alice' });
    expect(await stack.incidents.change('resolve', incidentId, { by: { slackUserId: 'U0ALICE', via: 'slack' } })).toMatchObject({ resolvedBy: 'alice' });
    const described = await waitFor('the resolution in the search attributes', async () => {
      const d = await stack.env.client.workflow.getHandle(incidentId).describe();
      return d.typedSearchAttributes.get(SEARCH_ATTRIBUTES.status) === 'resolved' && d;
    });
    const published = described.typedSearchAttributes.get(SEARCH_ATTRIBUTES.dataCategories) ?? [];
    expect(published).toEqual(state.dataCategories);
    expect(Buffer.byteLength(JSON.stringify(published))).toBeLessThan(2048);
  });
});

describe('incident ids longer than any incident id', () => {
  // Longer than Temporal takes for a workflow id (1,000 characters): asked about it, Temporal
  // answers "not found", which Klaxon answers as for any unknown incident, never with a 500.
  const long = `inc-acme-${'a'.repeat(1500)}`;

  it('are answered 404 by the REST API, never 500', async () => {
    for (const path of [`/v1/incidents/${long}`, `/v1/incidents/${long}/evidence`]) {
      const r = await answer(await fetch(`${stack.apiUrl}${path}`, { headers: { authorization: `Bearer ${reader}` } }));
      expect(r).toMatchObject({ status: 404, error: expect.stringMatching(/not found/) });
    }
    const res = await fetch(`${stack.apiUrl}/v1/incidents/${long}/acknowledge`, { method: 'POST', headers: { authorization: `Bearer ${writer}`, 'content-type': 'application/json' }, body: '{}' });
    expect(await answer(res)).toMatchObject({ status: 404, error: expect.stringMatching(/not found/) });
  });

  it('are refused as text by the slash command, and answered as not found to a PagerDuty webhook', async () => {
    const form = new URLSearchParams({ command: '/klaxon', text: `ack ${long}`, user_id: 'U0ALICE', trigger_id: 'long.1' }).toString();
    const slack = await fetch(`${stack.apiUrl}/v1/slack/commands`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...signSlack(SLACK_SIGNING_SECRET, form) }, body: form });
    expect(slack.status).toBe(200);
    expect(((await slack.json()) as { text: string }).text).toMatch(/^Refused: that incident does not exist/);
    const event = JSON.stringify({ event: { id: 'long-1', event_type: 'incident.acknowledged', occurred_at: new Date().toISOString(), agent: { id: 'P0ALICE', type: 'user_reference' }, data: { incident_key: long } } });
    const pd = await fetch(`${stack.apiUrl}/v1/pagerduty/webhooks`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-pagerduty-signature': `v1=${createHmac('sha256', PAGERDUTY_SECRET).update(event).digest('hex')}` }, body: event });
    // As for any incident Temporal does not know: 200 and not applied, as PagerDuty retries anything else.
    expect(pd.status).toBe(200);
    expect(await pd.json()).toMatchObject({ applied: false, reason: expect.stringMatching(/not found/) });
  });
});

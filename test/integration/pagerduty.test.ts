import { createHmac } from 'node:crypto';
import { join } from 'node:path';
import { PagerDutyStandIn } from '../support/pagerduty-stand-in';
import { postAlert, startTestStack, WEBHOOK_SECRET, type TestStack } from '../support/stack';
import { signKlaxon } from '../support/signing';
import { waitFor } from '../support/waiting';

/**
 * PagerDuty both ways on the real stack: the worker triggers over HTTPS (Events API v2), and
 * PagerDuty's v3 webhooks, signed as PagerDuty signs them, acknowledge and resolve.
 */
const ROUTING_KEY = 'R0INTEGRATION000000000000000000000';
const CURRENT_SECRET = 'pd-webhook-current';
const PREVIOUS_SECRET = 'pd-webhook-previous';
const pagerduty = new PagerDutyStandIn();
let stack: TestStack;

beforeAll(async () => {
  await pagerduty.start();
  pagerduty.routingKeys.add(ROUTING_KEY);
  stack = await startTestStack({
    policyFile: join(__dirname, '../fixtures/pagerduty-policy.yaml'),
    // Klaxon holds the previous secret as well while it rotates.
    pagerduty: { standIn: pagerduty, routingKeys: `ops=${ROUTING_KEY}`, webhookSecrets: `${CURRENT_SECRET},${PREVIOUS_SECRET}` },
  });
});

afterAll(async () => {
  await stack?.stop();
  await pagerduty.stop();
});

/** As PagerDuty signs: one v1 signature per secret it holds. */
const signPagerDuty = (body: string, ...secrets: string[]) => secrets.map((s) => `v1=${createHmac('sha256', s).update(body).digest('hex')}`).join(',');

function webhook(eventType: string, incidentKey: string, agent: Record<string, unknown> | null = { id: 'PALICE1', type: 'user_reference', summary: 'Alice' }): string {
  return JSON.stringify({
    event: {
      id: `01${Math.random().toString(36).slice(2)}`,
      event_type: eventType,
      resource_type: 'incident',
      occurred_at: new Date().toISOString(),
      agent,
      client: null,
      data: { id: 'PINC001', type: 'incident', status: eventType.split('.')[1], incident_key: incidentKey, title: 'x', urgency: 'high' },
    },
  });
}

async function deliver(body: string, signature: string | undefined) {
  const res = await fetch(`${stack.apiUrl}/v1/pagerduty/webhooks`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(signature ? { 'x-pagerduty-signature': signature } : {}) },
    body,
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

let n = 0;
async function openIncident(): Promise<string> {
  n += 1;
  const body = JSON.stringify({ title: `Invoices of acme readable by globex (${n})`, severity: 'SEV2', tenant: 'acme', dedupKey: `pd-${n}`, dataCategories: ['financial'] });
  const answer = await postAlert(stack.apiUrl, body, { 'klaxon-signature': signKlaxon(WEBHOOK_SECRET, body) });
  expect(answer.status).toBe(202);
  const incidentId = String(answer.body.incidentId);
  await waitFor('the PagerDuty trigger', () => pagerduty.events.some((e) => e.dedup_key === incidentId && e.event_action === 'trigger'));
  return incidentId;
}

const eventsFor = (incidentId: string) => pagerduty.events.filter((e) => e.dedup_key === incidentId).map((e) => e.event_action);

describe('PagerDuty', () => {
  it('is triggered with the incident id as dedup_key, and its acknowledgement comes back as the responder\'s, without an echo', async () => {
    const incidentId = await openIncident();
    const body = webhook('incident.acknowledged', incidentId);
    // PagerDuty mid-rotation: a signature under a secret Klaxon does not hold, and one it does.
    const answer = await deliver(body, signPagerDuty(body, 'pd-webhook-next', CURRENT_SECRET));
    expect(answer).toMatchObject({ status: 200, body: { applied: true, acknowledgedBy: 'alice', alreadyDone: false } });
    const state = await stack.incidents.state(incidentId);
    expect(state).toMatchObject({ status: 'acknowledged', acknowledgedBy: 'alice', changedVia: 'pagerduty' });
    // The replayed delivery is answered, not re-applied.
    expect((await deliver(body, signPagerDuty(body, PREVIOUS_SECRET))).body).toMatchObject({ applied: false, reason: expect.stringContaining('applied before: a replay') });
    // Resolved in Klaxon: PagerDuty is told. Once the incident has finished, everything it
    // sent is in: the resolution, and no echo of the acknowledgement PagerDuty itself sent.
    await stack.incidents.change('resolve', incidentId, { by: { responder: 'bob', via: 'cli' }, note: 'fixed' });
    await stack.env.client.workflow.getHandle(incidentId).result();
    expect(eventsFor(incidentId)).toEqual(['trigger', 'resolve']);
    await waitFor('the acknowledgement in the ledger', async () => (await stack.ledger.timeline(incidentId)).some((e) => e.kind === 'incident.acknowledged'));
    const ack = (await stack.ledger.timeline(incidentId)).find((e) => e.kind === 'incident.acknowledged')!;
    expect(ack.actor).toMatchObject({ type: 'responder', name: 'alice', via: 'pagerduty' });
  });

  it('resolves from PagerDuty, and answers what it cannot apply without recording anything', async () => {
    const incidentId = await openIncident();
    const sign = (b: string) => signPagerDuty(b, CURRENT_SECRET);
    const stranger = webhook('incident.acknowledged', incidentId, { id: 'PMALLORY', type: 'user_reference' });
    expect((await deliver(stranger, sign(stranger))).body).toMatchObject({ applied: false, reason: expect.stringContaining('PagerDuty user PMALLORY is not a responder') });
    const byService = webhook('incident.resolved', incidentId, { id: 'PSVC001', type: 'service_reference' });
    expect((await deliver(byService, sign(byService))).body).toMatchObject({ applied: false, reason: 'no PagerDuty user acted (agent service_reference)' });
    const foreign = webhook('incident.acknowledged', 'd3640fbd41094207a1c11e58e46b1662');
    expect((await deliver(foreign, sign(foreign))).body).toMatchObject({ applied: false, reason: expect.stringContaining('not a Klaxon incident') });
    // An incident id Klaxon does not know (another stack's, or one long gone): answered 200, else PagerDuty retries it for hours.
    const unknown = webhook('incident.acknowledged', 'inc-0000000000000000000000000000dead');
    expect(await deliver(unknown, sign(unknown))).toMatchObject({ status: 200, body: { applied: false, reason: expect.stringContaining('inc-0000000000000000000000000000dead') } });
    const other = webhook('incident.priority_updated', incidentId);
    expect((await deliver(other, sign(other))).body).toMatchObject({ applied: false, reason: 'Klaxon does not follow incident.priority_updated' });
    expect((await stack.incidents.state(incidentId)).status).toBe('triggered');

    const resolved = webhook('incident.resolved', incidentId, { id: 'PBOB001', type: 'user_reference' });
    expect((await deliver(resolved, sign(resolved))).body).toMatchObject({ applied: true, resolvedBy: 'bob' });
    expect((await stack.incidents.state(incidentId)).resolveNote).toBe('resolved in PagerDuty');
    const late = webhook('incident.acknowledged', incidentId);
    expect((await deliver(late, sign(late))).body).toMatchObject({ applied: false });
    // Finished: nothing more will be sent, and PagerDuty, which resolved it, was not told again.
    await stack.env.client.workflow.getHandle(incidentId).result();
    expect(eventsFor(incidentId)).toEqual(['trigger']);
  });

  it('leaves a newer incident of the same key alone when an earlier run\'s signed events are sent again', async () => {
    const alert = JSON.stringify({ title: 'Payouts of acme sent to globex', severity: 'SEV2', tenant: 'acme', dedupKey: 'pd-replayed', dataCategories: ['financial'] });
    const sign = (b: string) => signPagerDuty(b, CURRENT_SECRET);
    const triggers = (id: string) => eventsFor(id).filter((e) => e === 'trigger').length;
    const first = await postAlert(stack.apiUrl, alert, { 'klaxon-signature': signKlaxon(WEBHOOK_SECRET, alert) });
    const incidentId = String(first.body.incidentId);
    await waitFor('the PagerDuty trigger', () => triggers(incidentId) === 1);
    // Captured from the first run: a resolution that was applied, and an acknowledgement never delivered.
    const resolved = webhook('incident.resolved', incidentId);
    const unsent = webhook('incident.acknowledged', incidentId);
    expect((await deliver(resolved, sign(resolved))).body).toMatchObject({ applied: true, resolvedBy: 'alice' });
    await stack.env.client.workflow.getHandle(incidentId).result();

    // The same key alerts again, a second later: a new run of the same incident id.
    await new Promise((r) => setTimeout(r, 1000));
    expect(await postAlert(stack.apiUrl, alert, { 'klaxon-signature': signKlaxon(WEBHOOK_SECRET, alert) })).toMatchObject({ status: 202, body: { incidentId, deduplicated: false } });
    await waitFor('the second PagerDuty trigger', () => triggers(incidentId) === 2);
    expect(await deliver(resolved, sign(resolved))).toMatchObject({ status: 200, body: { applied: false, reason: expect.stringContaining('applied before: a replay') } });
    expect(await deliver(unsent, sign(unsent))).toMatchObject({ status: 200, body: { applied: false, reason: expect.stringContaining("before the incident's current run opened") } });
    expect((await stack.incidents.state(incidentId)).status).toBe('triggered');
    await stack.incidents.change('resolve', incidentId, { by: { responder: 'bob', via: 'cli' } });
  });

  it('refuses forged, unsigned and malformed deliveries with the reason', async () => {
    const incidentId = await openIncident();
    const body = webhook('incident.acknowledged', incidentId);
    expect(await deliver(body, signPagerDuty(body, 'not-our-secret'))).toMatchObject({ status: 401, body: { error: 'PagerDuty signature does not match the body under any configured secret' } });
    expect(await deliver(body, undefined)).toMatchObject({ status: 401, body: { error: 'missing X-PagerDuty-Signature header' } });
    expect(await deliver(body, 'sha256=abc')).toMatchObject({ status: 401, body: { error: expect.stringContaining('malformed X-PagerDuty-Signature') } });
    const tampered = body.replace('PALICE1', 'PBOB001');
    expect((await deliver(tampered, signPagerDuty(body, CURRENT_SECRET))).status).toBe(401);
    expect(await deliver('{"event":', signPagerDuty('{"event":', CURRENT_SECRET))).toMatchObject({ status: 400, body: { error: expect.stringContaining('malformed JSON') } });
    const undated = body.replace(/"occurred_at":"[^"]+"/, '"occurred_at":"yesterday"');
    expect(await deliver(undated, signPagerDuty(undated, CURRENT_SECRET))).toMatchObject({ status: 400, body: { error: 'the payload has no event.id string or no event.occurred_at date-time' } });
    expect((await stack.incidents.state(incidentId)).status).toBe('triggered');
  });
});

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sourceResolvedSignal } from '../../workflows/incident';
import { ALERTMANAGER_TOKEN, startTestStack, type TestStack } from '../support/stack';
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
    await stack.incidents.resolve(incidentId, { responder: 'alice', via: 'cli' });
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
    await handle.signal(sourceResolvedSignal, { source: 'alertmanager', title: 'late', labels: {}, tenant: 'acme', dedupKey: `alertmanager:${fp}`, deliveryId: 'late-signal', resolvedAt: endedEarlier.alerts[0].endsAt });
    const ignored = await waitFor('the ignored resolution in the ledger', async () => (await stack.ledger.timeline(incidentId)).find((e) => e.payload.deliveryId === 'late-signal'));
    expect(ignored.payload.ignored).toMatch(/about an earlier run/);
    expect((await stack.incidents.state(incidentId)).status).toBe('triggered');

    // One that ended now is this run's, and resolves it.
    expect(await alertmanager(notification(fp, 'resolved', new Date().toISOString()))).toMatchObject({ status: 202, body: { resolved: [{ incidentId, matched: true }] } });
    await waitFor('the second run resolved', async () => (await stack.incidents.state(incidentId)).status === 'resolved');
  });
});

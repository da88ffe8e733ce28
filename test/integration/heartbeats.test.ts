import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkflowNotFoundError } from '@temporalio/client';
import { heartbeatDedupKey, heartbeatWorkflowId } from '../../core/heartbeats/heartbeat-monitor';
import { incidentIdFor } from '../../core/incident/incident-id';
import { heartbeatMessages } from '../../workflows/heartbeat';
import { signKlaxon } from '../support/signing';
import { postAlert, startTestStack, WEBHOOK_SECRET, type TestStack } from '../support/stack';
import { waitFor } from '../support/waiting';

/**
 * Heartbeat monitors on the real stack: signed beats over HTTP, beats from a source's alerts,
 * and a monitor that goes silent for its ten seconds, in real time: its incident pages at the
 * Slack stand-in under the policy that declares it, and the next beat resolves it.
 */
const POLICY = `
name: watched
responders:
  - { name: alice, slackUserId: U0ALICE, timeZone: Europe/Berlin }
  - { name: bob, slackUserId: U0BOB, timeZone: America/New_York }
levels:
  - { targets: [alice], timeoutMinutes: 5 }
  - { targets: [bob], timeoutMinutes: 5 }
autoResolve: true
heartbeats:
  - { name: drain-acme, tenant: acme, intervalSeconds: 10, severity: SEV2 }
  - { name: cron-acme, tenant: acme, intervalSeconds: 3600, severity: SEV3 }
  - { name: generic-globex, tenant: globex, intervalSeconds: 3600, severity: SEV3, source: generic }
`;

let stack: TestStack;
beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'klaxon-heartbeats-'));
  writeFileSync(join(dir, 'policy.yaml'), POLICY);
  stack = await startTestStack({ policyFile: join(dir, 'policy.yaml') });
});
afterAll(() => stack?.stop());

const bodyOf = (monitor: string) => JSON.stringify({ monitor });
/** POSTs a beat, signed correctly unless other headers are given. */
async function beat(name: string, body = bodyOf(name), headers: Record<string, string> = { 'klaxon-signature': signKlaxon(WEBHOOK_SECRET, body) }) {
  const res = await fetch(`${stack.apiUrl}/v1/heartbeats/${name}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}
const heartbeatCounts = async (): Promise<Record<string, number>> => {
  const text = await (await fetch(`${stack.apiUrl}/metrics`)).text();
  return Object.fromEntries([...text.matchAll(/^klaxon_heartbeats_total\{via="(\w+)",outcome="(\w+)"\} (\d+)$/gm)].map((m) => [`${m[1]}/${m[2]}`, Number(m[3])]));
};
const watchOf = (tenant: string, name: string) => stack.env.client.workflow.getHandle(heartbeatWorkflowId({ tenant, name }));

it('refuses what is not a beat of a declared monitor, each with the problem named, and answers a replay as one', async () => {
  const before = await heartbeatCounts();
  const unsigned = await beat('no-such-monitor', bodyOf('no-such-monitor'), {});
  // The signature first: a caller without the secret learns nothing of which monitors exist.
  expect(unsigned).toEqual({ status: 401, body: { error: 'missing Klaxon-Signature header' } });
  expect(await beat('cron-acme', bodyOf('cron-acme'), { 'klaxon-signature': signKlaxon('not-the-secret', bodyOf('cron-acme')) })).toEqual({ status: 401, body: { error: 'signature does not match the body' } });
  const stale = Math.floor(Date.now() / 1000) - 600;
  expect((await beat('cron-acme', bodyOf('cron-acme'), { 'klaxon-signature': signKlaxon(WEBHOOK_SECRET, bodyOf('cron-acme'), stale) })).status).toBe(401);
  expect(await beat('no-such-monitor')).toEqual({ status: 404, body: { error: 'no heartbeat monitor "no-such-monitor" is declared in the policy file' } });
  // A beat signed for one monitor, sent to another: the body it signs names the first.
  expect(await beat('cron-acme', bodyOf('drain-acme'))).toEqual({ status: 422, body: { error: 'the body names monitor "drain-acme", the path "cron-acme": a signed beat counts only for the monitor it names' } });
  expect((await beat('cron-acme', '{}')).status).toBe(422);
  expect(await beat('cron-acme', 'beat')).toMatchObject({ status: 400, body: { error: expect.stringMatching(/^the body: /) } });
  expect(await beat('cron-acme', JSON.stringify({ monitor: 'cron-acme', pad: 'x'.repeat(2000) }))).toEqual({ status: 413, body: { error: 'body of 2032 bytes exceeds the limit of 1024 bytes' } });
  const plain = await fetch(`${stack.apiUrl}/v1/heartbeats/cron-acme`, { method: 'POST', headers: { 'content-type': 'text/plain', 'klaxon-signature': signKlaxon(WEBHOOK_SECRET, bodyOf('cron-acme')) }, body: bodyOf('cron-acme') });
  expect(plain.status).toBe(415);
  // None of them started a watch.
  await expect(watchOf('acme', 'cron-acme').describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);

  const signed = { 'klaxon-signature': signKlaxon(WEBHOOK_SECRET, bodyOf('cron-acme')) };
  expect(await beat('cron-acme', bodyOf('cron-acme'), signed)).toEqual({ status: 202, body: { monitor: 'cron-acme', tenant: 'acme', intervalSeconds: 3600 } });
  expect(await beat('cron-acme', bodyOf('cron-acme'), signed)).toEqual({ status: 202, body: { monitor: 'cron-acme', tenant: 'acme', intervalSeconds: 3600, replayed: true } });
  // Temporal holds the beat when the sender has its 202; the replay is not a beat.
  expect(await watchOf('acme', 'cron-acme').query(heartbeatMessages.state)).toMatchObject({ beats: 1, silences: 0 });
  const after = await heartbeatCounts();
  const delta = (k: string) => (after[k] ?? 0) - (before[k] ?? 0);
  expect({ refused: delta('http/refused'), accepted: delta('http/accepted'), replayed: delta('http/replayed') }).toEqual({ refused: 9, accepted: 1, replayed: 1 });
});

it("takes the alerts of a monitor's source as beats for its tenant only", async () => {
  const alert = (tenant: string) => JSON.stringify({ title: 'Export job failed', severity: 'SEV3', tenant, dedupKey: `export-${tenant}` });
  expect((await postAlert(stack.apiUrl, alert('acme'))).status).toBe(202);
  await expect(watchOf('globex', 'generic-globex').describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
  expect((await postAlert(stack.apiUrl, alert('globex'))).status).toBe(202);
  expect(await watchOf('globex', 'generic-globex').query(heartbeatMessages.state)).toMatchObject({ beats: 1, monitor: { name: 'generic-globex', source: 'generic' } });
});

it('pages at Slack when a monitor is silent past its interval, names it, and resolves when it beats again', async () => {
  const first = Date.now();
  expect((await beat('drain-acme')).status).toBe(202);
  const incidentId = incidentIdFor({ tenant: 'acme', dedupKey: heartbeatDedupKey({ name: 'drain-acme' }) });
  const page = await waitFor('the page at Slack', () => stack.slack.callsOf('chat.postMessage').find((c) => JSON.stringify(c.args).includes(incidentId)), 40_000);
  expect(JSON.stringify(page.args)).toContain('No heartbeat from drain-acme of acme for 10 s');
  const opened = await stack.incidents.state(incidentId);
  expect(opened).toMatchObject({ status: 'triggered', severity: 'SEV2', tenant: 'acme', policyName: 'watched', service: 'heartbeat' });
  expect(Date.parse(opened.openedAt) - first).toBeGreaterThanOrEqual(9_000);

  expect((await beat('drain-acme')).status).toBe(202);
  await waitFor('the incident resolved', async () => (await stack.incidents.state(incidentId)).status === 'resolved', 20_000);
  const timeline = await waitFor('the resolution in the ledger', async () => {
    const events = await stack.ledger.timeline(incidentId);
    return events.some((e) => e.kind === 'incident.resolved') && events;
  });
  expect(timeline.map((e) => e.kind)).toEqual(expect.arrayContaining(['incident.opened', 'alert.received', 'responder.paged', 'alert.resolved_by_source', 'incident.resolved']));
  expect(timeline.find((e) => e.kind === 'alert.received')!.payload).toMatchObject({ source: 'heartbeat', title: 'No heartbeat from drain-acme of acme for 10 s' });
  expect(timeline.find((e) => e.kind === 'incident.resolved')!.actor).toMatchObject({ type: 'system', name: 'heartbeat' });
  expect((await stack.ledger.verify(incidentId)).ok).toBe(true);
});

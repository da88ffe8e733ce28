import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { archiveClosedRuns } from '../../worker/history-archiver';
import { Incidents } from '../../client/incidents';
import { dataConverterFor, EncryptionCodec } from '../../client/payload-codec';
import { batchAlerts, type AlertBatch } from '../../core/alerts/alert-batch';
import type { Alert } from '../../core/alerts/alert';
import { MAX_UNREDACTED_ALERTS, unredactedAlert } from '../../core/alerts/unredacted-alert';
import { signals } from '../../workflows/messages';
import { parsePayloadKeys } from '../../config/payload-keys';
import { HistoryArchive } from '../../ledger/history-archive';
import { klaxon } from '../support/processes';
import { postAlert, startTestStack, type TestStack } from '../support/stack';
import { waitFor } from '../support/waiting';

/**
 * The unredacted alert, kept where a policy says keepUnredactedAlerts: only in the workflow's
 * state, only encrypted by the payload codec (Temporal's history, the archive and the wire hold
 * ciphertext), read back only by a client holding the key; everywhere else as redacted as ever.
 */
const dir = mkdtempSync(join(tmpdir(), 'klaxon-unredacted-'));
const KEYS = join(dir, 'payload-keys');
const ROTATED = join(dir, 'payload-keys-rotated');
const POLICY = join(dir, 'policy.yaml');
const first = `2026-01=${randomBytes(32).toString('base64')}`;
writeFileSync(KEYS, `${first}\n`);
writeFileSync(ROTATED, `${first}\n2026-07=${randomBytes(32).toString('base64')}\n`);
const policy = (name: string, keep: boolean) =>
  [`  - name: ${name}`, '    responders: [{ name: alice, slackUserId: U0ALICE, timeZone: Europe/Berlin }, { name: bob, slackUserId: U0BOB, timeZone: America/New_York }]', '    levels: [{ targets: [alice], timeoutMinutes: 5 }]', '    repeat: 0', `    keepUnredactedAlerts: ${keep}`].join('\n');
writeFileSync(POLICY, ['policies:', policy('redacted-only', false), policy('payments', true), 'routes:', '  - { policy: payments, match: { tenant: [ua-payments] } }'].join('\n'));

let stack: TestStack;
beforeAll(async () => {
  // The dev server suggests continue-as-new after 60 history events, so a trickle of alerts hands over.
  stack = await startTestStack({ policyFile: POLICY, env: { KLAXON_PAYLOAD_KEYS_FILE: KEYS }, serverArgs: ['--dynamic-config-value', 'limit.historyCount.suggestContinueAsNew=60'] });
});
afterAll(async () => {
  await stack?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const CARD = '4111 1111 1111 1111';
const EMAIL = 'jane.doe@example.com';
const PERSONAL = [CARD, CARD.replace(/ /g, ''), EMAIL];
const leaked = (text: string) => PERSONAL.filter((p) => text.includes(p));

const cli = (args: string[], more: Record<string, string> = {}) =>
  klaxon(args, { ...process.env, TEMPORAL_ADDRESS: stack.env.address, KLAXON_TASK_QUEUE: stack.config.temporal.taskQueue, DATABASE_URL: stack.db.url, KLAXON_DATA_DIR: '/nonexistent', KLAXON_POLICY_FILE: POLICY, KLAXON_PAYLOAD_KEYS_FILE: KEYS, TZ: 'UTC', ...more });

/** A client as the worker, the API and the CLI make it with the key file: the codec decrypts. */
const keyedClient = () => new Client({ connection: stack.env.connection, dataConverter: dataConverterFor({ payloadKeys: parsePayloadKeys(`${first}\n`, KEYS) }) });

/** The run's history exactly as Temporal serves it, through the raw service (no data converter), as bytes. */
async function rawHistory(incidentId: string): Promise<{ bytes: Buffer; history: temporal.api.history.v1.IHistory }> {
  const response = await stack.env.client.workflowService.getWorkflowExecutionHistory({ namespace: 'default', execution: { workflowId: incidentId } });
  const history = response.history!;
  return { bytes: Buffer.from(temporal.api.history.v1.History.encode(history).finish()), history };
}

/** The alerts signals of a history, decrypted with `codec`. */
async function signalledBatches(history: temporal.api.history.v1.IHistory, codec: EncryptionCodec): Promise<AlertBatch[]> {
  const signals = (history.events ?? []).flatMap((e) => (e.workflowExecutionSignaledEventAttributes?.signalName === 'alerts' ? [e.workflowExecutionSignaledEventAttributes] : []));
  return Promise.all(signals.map(async (s) => defaultPayloadConverter.fromPayload<AlertBatch>((await codec.decode(s.input!.payloads!))[0])));
}

const alertBody = (tenant: string, n: number) =>
  JSON.stringify({ title: `Card ${CARD} of ${EMAIL} served to tenant globex`, severity: 'SEV2', tenant, dedupKey: `${tenant}-export`, dataCategories: ['payment-card'], details: { contact: { email: EMAIL }, card: CARD, attempt: n } });

describe('unredacted alerts', () => {
  it('are kept under a policy that says so, encrypted wherever Temporal or the archive holds them, and read back only with the key', async () => {
    const opened = await postAlert(stack.apiUrl, alertBody('ua-payments', 1));
    expect(opened).toMatchObject({ status: 202, body: { deduplicated: false } });
    const incidentId = opened.body.incidentId as string;
    expect(await postAlert(stack.apiUrl, alertBody('ua-payments', 2))).toMatchObject({ status: 202, body: { incidentId, deduplicated: true } });
    await waitFor('both alerts counted', async () => ((await stack.incidents.state(incidentId)).alertCount === 2 ? true : undefined));

    // Temporal holds nothing readable: neither the alert as sent nor even its redacted title.
    const { bytes, history } = await rawHistory(incidentId);
    expect(leaked(bytes.toString('latin1'))).toEqual([]);
    expect(bytes.toString('latin1')).not.toContain('served to tenant globex');
    const payloads = (history.events ?? []).flatMap((e) => [
      ...(e.workflowExecutionStartedEventAttributes?.input?.payloads ?? []),
      ...(e.workflowExecutionSignaledEventAttributes?.input?.payloads ?? []),
      ...(e.activityTaskScheduledEventAttributes?.input?.payloads ?? []),
    ]);
    expect(payloads.length).toBeGreaterThan(2);
    expect(new Set(payloads.map((p) => Buffer.from(p.metadata!.encoding!).toString()))).toEqual(new Set(['binary/encrypted']));

    // With the key, the signal carries the alerts as sent, and the workflow keeps them (each delivery once).
    const codec = new EncryptionCodec(parsePayloadKeys(`${first}\n`, KEYS));
    expect((await signalledBatches(history, codec)).flatMap((b) => b.unredacted ?? []).map((a) => a.title)).toEqual([expect.stringContaining(CARD), expect.stringContaining(CARD)]);
    const keyed = new Incidents(keyedClient(), stack.config.temporal.taskQueue);
    const kept = await keyed.unredactedAlerts(incidentId);
    expect(kept.map((a) => ({ title: a.title, details: a.details, dedupKey: a.dedupKey }))).toEqual([1, 2].map((n) => ({ title: `Card ${CARD} of ${EMAIL} served to tenant globex`, details: { contact: { email: EMAIL }, card: CARD, attempt: n, triage: 'no classification rule matched' }, dedupKey: 'ua-payments-export' })));
    // A client without the key reads nothing of it.
    await expect(new Incidents(stack.env.client, stack.config.temporal.taskQueue).unredactedAlerts(incidentId)).rejects.toThrow(/binary\/encrypted/);

    // The CLI reads them with the key file, also after a rotation (the old key still decrypts), and refuses without one.
    const read = await cli(['incidents', 'unredacted', incidentId]);
    expect(JSON.parse(read.stdout)).toEqual(kept);
    expect(JSON.parse((await cli(['incidents', 'unredacted', incidentId], { KLAXON_PAYLOAD_KEYS_FILE: ROTATED })).stdout)).toEqual(kept);
    await expect(cli(['incidents', 'unredacted', incidentId], { KLAXON_PAYLOAD_KEYS_FILE: '', KLAXON_POLICY_FILE: '' })).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('set KLAXON_PAYLOAD_KEYS_FILE') });
    // And a process whose policy file keeps unredacted alerts does not even start without the key.
    await expect(cli(['incidents', 'show', incidentId], { KLAXON_PAYLOAD_KEYS_FILE: '' })).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('policy "payments" sets keepUnredactedAlerts, but KLAXON_PAYLOAD_KEYS_FILE is not set') });
    expect(leaked((await cli(['incidents', 'show', incidentId])).stdout + (await cli(['incidents', 'show', incidentId, '--json'])).stdout)).toEqual([]);
    expect(leaked(JSON.stringify(await stack.incidents.state(incidentId)))).toEqual([]);

    // Nowhere else: the ledger, Slack, the state, memo and search attributes.
    await stack.incidents.change('resolve', incidentId, { by: { responder: 'alice', via: 'cli' } });
    await keyedClient().workflow.getHandle(incidentId).result();
    const rows = await stack.db.pool.query<{ row: string }>('SELECT row_to_json(e)::text AS row FROM ledger_events e WHERE incident_id = $1', [incidentId]);
    expect(rows.rows.length).toBeGreaterThan(2);
    expect(leaked(rows.rows.map((r) => r.row).join('\n'))).toEqual([]);
    expect(leaked(JSON.stringify(stack.slack.calls))).toEqual([]);
    const described = await stack.env.client.workflow.getHandle(incidentId).describe();
    expect(leaked(Buffer.from(temporal.api.workflowservice.v1.DescribeWorkflowExecutionResponse.encode(described.raw).finish()).toString('latin1'))).toEqual([]);

    // The archive copies the history as Temporal encoded it: still ciphertext, readable with the key.
    await archiveClosedRuns(keyedClient(), new HistoryArchive(stack.db.pool), stack.ledger, { incidentId });
    const [archived] = await new HistoryArchive(stack.db.pool).runs(incidentId);
    expect(leaked(archived.history.toString('latin1'))).toEqual([]);
    expect(archived.history.toString('latin1')).not.toContain('served to tenant globex');
    const fromArchive = await signalledBatches(temporal.api.history.v1.History.decode(archived.history), codec);
    expect(fromArchive.flatMap((b) => b.unredacted ?? []).map((a) => a.details)).toEqual(kept.map((a) => a.details));
    expect(leaked((await cli(['incidents', 'history', incidentId])).stdout)).toEqual([]);
  });

  it('are not kept without the policy flag: the signal and the state hold only the redacted alert', async () => {
    const opened = await postAlert(stack.apiUrl, alertBody('ua-other', 1));
    expect(opened.status).toBe(202);
    const incidentId = opened.body.incidentId as string;
    await waitFor('the alert counted', async () => ((await stack.incidents.state(incidentId)).alertCount === 1 ? true : undefined));
    expect((await stack.incidents.state(incidentId)).policyName).toBe('redacted-only');
    expect(await stack.incidents.unredactedAlerts(incidentId)).toEqual([]);
    const { history } = await rawHistory(incidentId);
    const batches = await signalledBatches(history, new EncryptionCodec(parsePayloadKeys(`${first}\n`, KEYS)));
    expect(batches.map((b) => b.unredacted)).toEqual([undefined]);
    expect(batches[0].sample[0].title).toBe('Card [number] of [email] served to tenant globex');
    expect(leaked(JSON.stringify(batches))).toEqual([]);
  });

  it('are carried over a continue-as-new, the first MAX_UNREDACTED_ALERTS of them and no more', async () => {
    const opened = await postAlert(stack.apiUrl, alertBody('ua-payments', 0).replace('ua-payments-export', 'ua-payments-trickle'));
    const incidentId = opened.body.incidentId as string;
    const handle = keyedClient().workflow.getHandle(incidentId);
    const firstRun = (await handle.describe()).runId;
    const alert = (i: number): Alert => ({
      source: 'generic', title: `Card ${CARD} again (${i})`, severity: 'SEV2', dedupKey: 'ua-payments-trickle', tenant: 'ua-payments', dataCategories: [], details: {}, deliveryId: `trickle-${i}`, receivedAt: new Date().toISOString(),
    });
    for (let i = 1; i <= 40; i++) await handle.signal(signals.alerts, { ...batchAlerts([alert(i)]), unredacted: [unredactedAlert(alert(i))] });
    await waitFor('a new run', async () => (await handle.describe()).runId !== firstRun);
    const kept = await waitFor('every alert counted in the new run', async () => ((await stack.incidents.state(incidentId)).alertCount === 41 ? new Incidents(keyedClient(), stack.config.temporal.taskQueue).unredactedAlerts(incidentId) : undefined));
    expect(kept.map((a) => a.title)).toEqual([`Card ${CARD} of ${EMAIL} served to tenant globex`, ...Array.from({ length: MAX_UNREDACTED_ALERTS - 1 }, (_, i) => `Card ${CARD} again (${i + 1})`)]);
    // The hand-over's input is encrypted like everything else.
    const { bytes } = await rawHistory(incidentId);
    expect(leaked(bytes.toString('latin1'))).toEqual([]);
  });
});

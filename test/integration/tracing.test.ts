import { Child, freePort } from '../support/processes';
import { OtlpReceiver, type ReceivedSpan } from '../support/otlp-receiver';
import { apiProcessEnv, postAlert, SLACK_SIGNING_SECRET, startTestStack, WEBHOOK_SECRET, type TestStack } from '../support/stack';
import { signSlack, slackButtonClick } from '../support/signing';
import { SLACK_ACTIONS } from '../../core/channels/slack-message';
import { waitFor } from '../support/waiting';

/**
 * Traces as an operator turns them on, with the standard variables only: an API process and a
 * worker process export to a local OTLP/HTTP receiver (http/json), and one trace runs from the
 * alert's POST through signal-with-start and the workflow to the activity that posts to Slack.
 */
let stack: TestStack;
const receiver = new OtlpReceiver();
let apiUrl: string;
let api: Child;
let worker: Child;

beforeAll(async () => {
  stack = await startTestStack();
  const endpoint = await receiver.start();
  const apiPort = await freePort();
  const env = apiProcessEnv(stack, apiPort, {
    KLAXON_TASK_QUEUE: 'klaxon-tracing',
    DATABASE_URL: stack.db.url,
    SLACK_BOT_TOKEN: stack.slack.token,
    SLACK_API_URL: stack.slack.url,
    KLAXON_SLACK_CHANNEL: 'C0INCIDENTS',
    OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    // Export within a fifth of a second rather than five.
    OTEL_BSP_SCHEDULE_DELAY: '200',
    SLACK_SIGNING_SECRET,
  });
  api = Child.start(process.execPath, ['--import', 'tsx', 'client/api/main.ts'], { ...env, OTEL_SERVICE_NAME: 'klaxon-api-test' });
  // The worker bundles its workflows at start, with the tracing interceptors in the bundle.
  worker = Child.start(process.execPath, ['--import', 'tsx', 'worker/main.ts'], env);
  await Promise.all([api.waitForOutput('listening'), worker.waitForOutput('polling klaxon-tracing')]);
  apiUrl = `http://127.0.0.1:${apiPort}`;
}, 180_000);
afterAll(async () => {
  await stack?.stop();
  await receiver.stop();
});

describe('OpenTelemetry traces', () => {
  it('run from the alert POST through signal-with-start and the workflow to the Slack activity, in one trace', async () => {
    const posted = await postAlert(apiUrl, JSON.stringify({ title: 'Tenant data in a shared cache', severity: 'SEV1', tenant: 'acme', dedupKey: 'trace-1', details: { reporter: 'jane.doe@example.com' } }));
    expect(posted.status).toBe(202);
    const incidentId = posted.body.incidentId as string;

    const page = await waitFor('the Slack activity\'s span', () => receiver.spans.find((s) => s.name === 'RunActivity:postPageAudited' && s.attributes.temporalWorkflowId === incidentId), 60_000);
    // Alice acknowledges with the Slack button: the webhook's change continues the incident's trace.
    const form = slackButtonClick('U0ALICE', SLACK_ACTIONS.acknowledge, incidentId);
    const clicked = await fetch(`${apiUrl}/v1/slack/interactions`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...signSlack(SLACK_SIGNING_SECRET, form) }, body: form });
    expect(clicked.status).toBe(200);
    const ack = await waitFor('the acknowledgement handled by the workflow', () => receiver.spans.find((s) => s.name === 'HandleUpdate:acknowledge' && s.traceId === page.traceId), 30_000);
    // The API's spans end when the update's answer returns, and reach the sink in the API's next export.
    const ackChain = await waitFor('the acknowledgement\'s chain up to the API', () => {
      const chain = receiver.lineage(ack).map((s) => `${s.service} ${s.name}`);
      return chain.length >= 3 && chain;
    }, 30_000);
    expect(ackChain.slice(0, 3)).toEqual(['klaxon-worker HandleUpdate:acknowledge', 'klaxon-api-test StartWorkflowUpdate:acknowledge', 'klaxon-api-test Change:acknowledge']);
    const slackRequest = receiver.spans.find((s) => s.name === 'POST /v1/slack/interactions')!;
    expect(slackRequest.traceId).not.toBe(page.traceId);

    // The workflow's own span ends, and is exported, when its run does: resolve the incident.
    await stack.incidents.change('resolve', incidentId, { by: { responder: 'alice', via: 'cli' } });
    const chain = await waitFor('the whole chain up to the POST', () => {
      const up = receiver.lineage(page);
      return up.at(-1)!.name.startsWith('POST') ? up : undefined;
    }, 30_000).catch((err: Error) => {
      throw new Error(`${err.message}: the chain reached ${JSON.stringify(receiver.lineage(page).map((s) => `${s.service} ${s.name}`))}; spans received: ${JSON.stringify(receiver.spans.map((s) => `${s.service} ${s.name} ${s.traceId.slice(0, 6)} ${s.spanId.slice(0, 6)}<${(s.parentSpanId ?? '').slice(0, 6)}`))}`);
    });
    const named = chain.map((s: ReceivedSpan) => `${s.service} ${s.name}`);
    expect(named[0]).toBe('klaxon-worker RunActivity:postPageAudited');
    expect(named).toContain('klaxon-worker StartActivity:postPageAudited');
    expect(named).toContain('klaxon-worker RunWorkflow:incident');
    expect(named).toContain('klaxon-api-test SignalWithStartWorkflow:incident');
    expect(named.at(-1)).toBe('klaxon-api-test POST /v1/alerts/:param');
    expect(chain.at(-1)!.parentSpanId).toBeUndefined();
    expect(chain.at(-1)!.attributes).toMatchObject({ 'http.route': '/v1/alerts/:param', 'http.response.status_code': 202 });
    expect(new Set(chain.map((s) => s.traceId)).size).toBe(1);
    // Activities the workflow schedules in later activations (after a page is answered, after the
    // acknowledgement, at the resolution) still belong to the incident's trace: the sandbox's
    // context survives between activations (telemetry/workflow-context.ts).
    const scheduled = receiver.spans.filter((s) => s.name.startsWith('StartActivity:') && s.traceId === page.traceId);
    expect(scheduled.length).toBeGreaterThan(3);
    const orphans = receiver.spans.filter((s) => s.service === 'klaxon-worker' && s.name.startsWith('StartActivity:') && !s.parentSpanId);
    expect(orphans.map((s) => s.name)).toEqual([]);
    // Nothing identifying in span names: a route template, workflow and activity types.
    for (const s of receiver.spans) expect(s.name).not.toContain('trace-1');
  });
});

describe('logs', () => {
  const lines = (child: Child) => child.output.split('\n').filter((l) => l.trim());

  it('are JSON lines when piped, with the incident, workflow and trace they belong to, and no secret or personal data', async () => {
    const incidentId = receiver.spans.find((s) => s.name === 'RunActivity:postPageAudited')!.attributes.temporalWorkflowId as string;
    const traceId = receiver.spans.find((s) => s.name === 'RunActivity:postPageAudited')!.traceId;
    const parsed = [...lines(api), ...lines(worker)].map((l) => {
      try {
        return JSON.parse(l) as Record<string, unknown>;
      } catch {
        throw new Error(`not a JSON line: ${l}`);
      }
    });
    for (const p of parsed) expect(p).toEqual(expect.objectContaining({ level: expect.any(Number), time: expect.any(Number), msg: expect.any(String) }));
    // The incident's handling, one line per audit event, correlated by incident, workflow and trace.
    const paged = parsed.find((p) => p.msg === 'audit event stored' && p.kind === 'responder.paged');
    expect(paged).toMatchObject({ incidentId, workflowId: incidentId, traceId, component: 'temporal' });
    // The API's access line of the alert, in the same trace.
    expect(parsed.find((p) => typeof p.msg === 'string' && p.msg.startsWith('api POST /v1/alerts/:param 202'))).toMatchObject({ traceId, component: 'api' });
    const all = api.output + worker.output;
    for (const secret of [WEBHOOK_SECRET, stack.slack.token, 'jane.doe', 'trace-1', 'Tenant data in a shared cache']) expect(all).not.toContain(secret);
  });
});

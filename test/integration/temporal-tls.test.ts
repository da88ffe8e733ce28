import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Child, freePort } from '../support/processes';
import { apiProcessEnv, postAlert, startTestStack, type TestStack } from '../support/stack';
import { register } from '../support/teardown';
import { makeCertificates, startGrpcTlsProxy, type TestCertificates } from '../support/tls-proxy';
import { waitFor } from '../support/waiting';

/**
 * Klaxon's worker and API against a Temporal that wants mutual TLS, configured with Temporal's
 * own variables (TEMPORAL_TLS_*, config/temporal-connection.ts): nginx terminates TLS in front
 * of the dev server and demands a client certificate of its CA.
 */
let stack: TestStack;
let certs: TestCertificates;
let proxyAddress: string;

beforeAll(async () => {
  stack = await startTestStack();
  const dir = mkdtempSync(join(tmpdir(), 'klaxon-tls-'));
  register(() => rmSync(dir, { recursive: true, force: true }));
  certs = makeCertificates(dir);
  proxyAddress = (await startGrpcTlsProxy(dir, certs, stack.env.address)).address;
});
afterAll(() => stack?.stop());

/** The production processes' environment, reaching Temporal through the proxy. */
const processEnv = async (tls: Record<string, string>) => {
  const port = await freePort();
  const env = apiProcessEnv(stack, port, {
    TEMPORAL_ADDRESS: proxyAddress,
    TEMPORAL_TLS_SERVER_CA_CERT_PATH: certs.caCert,
    ...tls,
    // Its own task queue: the test stack's in-process worker must not take these incidents.
    KLAXON_TASK_QUEUE: 'klaxon-tls',
    DATABASE_URL: stack.db.url,
    SLACK_BOT_TOKEN: stack.slack.token,
    SLACK_API_URL: stack.slack.url,
    KLAXON_SLACK_CHANNEL: 'C0INCIDENTS',
  });
  return { env, apiUrl: `http://127.0.0.1:${port}` };
};
const start = (file: string, env: NodeJS.ProcessEnv) => Child.start(process.execPath, ['--import', 'tsx', file], env);

describe('Temporal behind mutual TLS', () => {
  it('pages end to end with the worker and the API holding a client certificate of its CA', async () => {
    const { env, apiUrl } = await processEnv({ TEMPORAL_TLS_CLIENT_CERT_PATH: certs.clientCert, TEMPORAL_TLS_CLIENT_KEY_PATH: certs.clientKey });
    const worker = start('worker/main.ts', env);
    const api = start('client/api/main.ts', env);
    await Promise.all([worker.waitForOutput('polling klaxon-tls'), api.waitForOutput('listening')]);

    const alert = await postAlert(apiUrl, JSON.stringify({ title: 'Invoices of one tenant served to another', severity: 'SEV2', tenant: 'acme', dedupKey: 'tls-1' }));
    expect(alert.status).toBe(202);
    const incidentId = alert.body.incidentId as string;
    const page = await waitFor('the page in Slack', () => stack.slack.callsOf('chat.postMessage').find((c) => JSON.stringify(c.args).includes(incidentId)), 60_000);
    expect(JSON.stringify(page.args.blocks)).toContain('<@U0ALICE>');
  });

  it.each([
    ['without a client certificate', {}],
    ['with a client certificate of another CA', { stranger: 'yes' }],
  ])('refuses to start %s, naming the settings that decide it', async (_, which) => {
    const tls: Record<string, string> = 'stranger' in which ? { TEMPORAL_TLS_CLIENT_CERT_PATH: certs.strangerCert, TEMPORAL_TLS_CLIENT_KEY_PATH: certs.strangerKey } : {};
    const { env } = await processEnv(tls);
    const api = start('client/api/main.ts', env);
    expect(await api.exited).toBe(1);
    expect(api.output).toContain(`klaxon api: cannot connect to Temporal at ${proxyAddress} (TEMPORAL_ADDRESS) with TLS (TEMPORAL_TLS_CLIENT_CERT_PATH`);
  });

  it('refuses a client certificate given without its key before connecting', async () => {
    const { env } = await processEnv({ TEMPORAL_TLS_CLIENT_CERT_PATH: certs.clientCert });
    const worker = start('worker/main.ts', env);
    expect(await worker.exited).toBe(1);
    expect(worker.output).toContain('TEMPORAL_TLS_CLIENT_CERT_PATH is set without TEMPORAL_TLS_CLIENT_KEY_PATH');
  });
});

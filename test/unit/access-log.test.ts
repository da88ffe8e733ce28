import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import { apiDepsFromConfig, createApiServer } from '../../client/api/server';
import { Incidents } from '../../client/incidents';
import { loadConfig } from '../../config/environment';
import { signKlaxon } from '../support/signing';

/**
 * The API's access log keeps no outside text: a refusal's message quotes what was sent (an
 * unknown field, a path, a tenant), which may be personal data, and logs are kept and shipped
 * where the ledger's redaction does not reach. The sender still reads the message in the answer.
 */
const SECRET = 'access-log-webhook-secret';
const lines: string[] = [];
let server: Server;
let url: string;
let connection: Connection;

beforeAll(async () => {
  const config = loadConfig({ TEMPORAL_ADDRESS: '127.0.0.1:1', KLAXON_SOURCES: 'generic', KLAXON_WEBHOOK_SECRET: SECRET });
  // Refusals happen before Temporal is asked anything, so the client never connects.
  connection = Connection.lazy({ address: config.temporal.address });
  server = createApiServer({ ...apiDepsFromConfig(config, new Incidents(new Client({ connection }), config.temporal.taskQueue)), log: (line) => lines.push(line) });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.close();
  await connection.close();
});

it('says at start what the configuration left aside (KLAXON_AUTO_RESOLVE against a policy that says autoResolve)', async () => {
  const file = 'name: manual\nresponders: [{ name: a, slackUserId: U0A, timeZone: UTC }]\nlevels: [{ targets: [a], timeoutMinutes: 5 }]\nautoResolve: false\n';
  const config = loadConfig({ TEMPORAL_ADDRESS: '127.0.0.1:1', KLAXON_SOURCES: 'generic', KLAXON_WEBHOOK_SECRET: SECRET, KLAXON_POLICY_FILE: 'policy.yaml', KLAXON_AUTO_RESOLVE: 'true' }, () => file);
  const said: string[] = [];
  createApiServer({ ...apiDepsFromConfig(config, new Incidents(new Client({ connection }), config.temporal.taskQueue)), log: (line) => said.push(line) });
  expect(said).toContain('klaxon api: KLAXON_AUTO_RESOLVE=true applies to the policies of policy.yaml that do not say autoResolve; policy "manual" says autoResolve: false, and that applies to its incidents');
});

it('logs the refusal of an alert whose unknown field is an e-mail address without the address, while the sender is told', async () => {
  const body = JSON.stringify({ title: 'x', severity: 'SEV2', tenant: 'acme', 'john.doe@example.com': 1 });
  const res = await fetch(`${url}/v1/alerts/generic`, { method: 'POST', headers: { 'content-type': 'application/json', 'klaxon-signature': signKlaxon(SECRET, body) }, body });
  expect(res.status).toBe(422);
  expect(((await res.json()) as { error: string }).error).toContain('john.doe@example.com');
  const line = lines.find((l) => l.startsWith('api POST /v1/alerts/:param 422'));
  expect(line).toBeDefined();
  expect(line).not.toContain('john.doe');
});

it('logs a request for a path that quotes an e-mail address without the address', async () => {
  const res = await fetch(`${url}/v1/incidents/jane.roe%40example.com/nothing?owner=jane.roe@example.com`);
  expect(res.status).toBe(404);
  const line = lines.find((l) => l.startsWith('api GET ') && l.includes(' 404 '));
  expect(line).toBeDefined();
  expect(line).not.toContain('jane.roe');
});

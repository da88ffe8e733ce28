import { randomBytes } from 'node:crypto';
import { openDatabase } from '../../ledger/database';
import { ApiTokens } from '../../ledger/api-tokens';
import { Child, freePort } from '../support/processes';
import { apiProcessEnv, postAlert, startTestStack, type TestStack } from '../support/stack';
import { register, track } from '../support/teardown';
import { waitFor } from '../support/waiting';

/**
 * The production shape of docker-compose.yml as processes: the one-shot ledger set-up as the
 * schema's owner, then the worker and the API connecting as the runtime role it creates, which
 * may add and read audit records and nothing more.
 */
let stack: TestStack;
const role = `klaxon_app_${randomBytes(4).toString('hex')}`;
let runtimeUrl: string;

beforeAll(async () => {
  stack = await startTestStack();
  register(async () => {
    // Roles outlive schemas: take back what the set-up granted, then the role.
    await stack.db.pool.query(`DROP OWNED BY ${role}`).catch(() => undefined);
    await stack.db.pool.query(`DROP ROLE IF EXISTS ${role}`);
  });
  const url = new URL(stack.db.url);
  url.username = role;
  url.password = 'runtime-secret';
  runtimeUrl = url.toString();
});
afterAll(() => stack?.stop());

const node = (file: string, env: NodeJS.ProcessEnv) => Child.start(process.execPath, ['--import', 'tsx', file], env);

describe('the production topology', () => {
  it('sets the ledger up as its owner, then runs the worker and the API as a role that can only add and read', async () => {
    const setup = node('scripts/ledger-setup.ts', { ...process.env, DATABASE_URL: stack.db.url, KLAXON_RUNTIME_ROLE: role, KLAXON_RUNTIME_PASSWORD: 'runtime-secret' });
    expect(await setup.exited).toBe(0);
    expect(setup.output).toContain(`role ${role} may add and read audit records`);

    const port = await freePort();
    const env = apiProcessEnv(stack, port, { DATABASE_URL: runtimeUrl, KLAXON_TASK_QUEUE: 'klaxon-topology', SLACK_BOT_TOKEN: stack.slack.token, SLACK_API_URL: stack.slack.url, KLAXON_SLACK_CHANNEL: 'C0INCIDENTS' });
    const [worker, api] = [node('worker/main.ts', env), node('client/api/main.ts', env)];
    await Promise.all([worker.waitForOutput('polling klaxon-topology'), api.waitForOutput('listening')]);
    // Which release polls: the SDK's build id, a hash of the workflow bundle (docs/WORKFLOW-VERSIONING.md).
    expect(worker.output).toMatch(/"msg":"polling klaxon-topology on [^" ]+ as build @temporalio\/worker@[\d.]+\+[0-9a-f]{64}"/);

    const alert = await postAlert(`http://127.0.0.1:${port}`, JSON.stringify({ title: 'Exports bucket readable by every tenant', severity: 'SEV2', tenant: 'acme', dedupKey: 'topology-1' }));
    expect(alert.status).toBe(202);
    const incidentId = alert.body.incidentId as string;
    await waitFor('the page in Slack', () => stack.slack.callsOf('chat.postMessage').some((c) => JSON.stringify(c.args).includes(incidentId)), 60_000);

    // The API has the ledger: the compliance routes answer (they were 503 without DATABASE_URL).
    const { token } = await new ApiTokens(stack.db.pool).create('topology-reader', ['audit:read']);
    const timeline = await waitFor('the timeline through the API', async () => {
      const res = await fetch(`http://127.0.0.1:${port}/v1/incidents/${incidentId}/timeline`, { headers: { authorization: `Bearer ${token}` } });
      const body = (await res.json()) as { events?: Array<{ kind: string }> };
      return res.status === 200 && body.events?.some((e) => e.kind === 'responder.paged') && body;
    });
    expect(timeline.events![0].kind).toBe('incident.opened');

    // What a compromised worker or API could try with its credentials, refused by the database.
    const runtime = track(openDatabase(runtimeUrl), (p) => p.end());
    const refusal = (sql: string) => runtime.query(sql).then(() => 'allowed', (err: Error) => err.message);
    expect(await refusal(`UPDATE ledger_events SET kind = 'forged'`)).toMatch(/permission denied/);
    expect(await refusal('DELETE FROM ledger_events')).toMatch(/permission denied/);
    expect(await refusal('DROP TRIGGER ledger_events_no_update_or_delete ON ledger_events')).toMatch(/must be owner/);
    expect(await refusal('TRUNCATE ledger_events')).toMatch(/permission denied/);
    expect(await refusal(`INSERT INTO api_tokens (name, sha256, scopes) VALUES ('mine', 'x', '{audit:read}')`)).toMatch(/permission denied/);
    expect(await refusal('SELECT count(*) FROM ledger_events')).toBe('allowed');
    // The API reserved the alert's coalescing window as that role (shared by replicas: ledger/intake-windows.ts).
    expect((await runtime.query('SELECT incident_key FROM intake_windows')).rows).toEqual([{ incident_key: incidentId }]);
    expect(api.output).not.toContain('shared window');
  });

  it('refuses pending migrations to the runtime role, naming who must run them', async () => {
    // A fresh schema the runtime role may use but not create in: nothing is migrated there yet.
    const schema = `topology_${randomBytes(4).toString('hex')}`;
    await stack.db.pool.query(`CREATE SCHEMA ${schema}; GRANT USAGE ON SCHEMA ${schema} TO ${role}`);
    register(() => stack.db.pool.query(`DROP SCHEMA ${schema} CASCADE`));
    const url = new URL(runtimeUrl);
    url.searchParams.set('options', `-c search_path=${schema}`);
    const worker = node('worker/main.ts', apiProcessEnv(stack, await freePort(), { DATABASE_URL: url.toString(), KLAXON_TASK_QUEUE: 'klaxon-topology-2' }));
    expect(await worker.exited).toBe(1);
    expect(worker.output).toMatch(/ledger migrations 001_ledger_events\.sql, .* are pending: permission denied .*run the migrations as the schema owner: scripts\/ledger-setup\.ts/);
  });
});

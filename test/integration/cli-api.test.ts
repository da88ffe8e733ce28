import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiTokens } from '../../ledger/api-tokens';
import { klaxon } from '../support/processes';
import { postAlert, startTestStack, type TestStack } from '../support/stack';
import { register } from '../support/teardown';
import { waitFor } from '../support/waiting';

/**
 * The CLI as a client of Klaxon's API under personal tokens: a person acts as the responder
 * their token is bound to, holding no Temporal or database credentials (TEMPORAL_ADDRESS here
 * points at a closed port), and cannot act as anyone else.
 */
let stack: TestStack;
let home: string;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  stack = await startTestStack({ env: { KLAXON_RESPONDERS: 'alice:U0ALICE:Europe/Berlin:approver,bob:U0BOB:America/New_York:approver' } });
  home = mkdtempSync(join(tmpdir(), 'klaxon-home-'));
  register(() => rmSync(home, { recursive: true, force: true }));
  const store = new ApiTokens(stack.db.pool);
  for (const who of ['alice', 'bob']) tokens[who] = (await store.create(`${who}-laptop`, ['incidents:write', 'incidents:read'], { responder: who, expiresAt: new Date(Date.now() + 86_400_000) })).token;
});
afterAll(() => stack?.stop());

/** A person's shell: no Temporal (a closed port) and no database; the API's address, and a token when given. */
const shell = (token?: string): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH,
  HOME: home,
  XDG_CONFIG_HOME: join(home, '.config'),
  KLAXON_DATA_DIR: join(home, 'no-stack'),
  TEMPORAL_ADDRESS: '127.0.0.1:9',
  KLAXON_API_URL: stack.apiUrl,
  ...(token ? { KLAXON_TOKEN: token } : {}),
});
const failure = (p: Promise<unknown>) => p.then(
  () => {
    throw new Error('the command succeeded');
  },
  (err: { code: number; stderr: string }) => ({ code: err.code, stderr: err.stderr }),
);

describe('klaxon under a personal token', () => {
  it('acts as the token\'s responder through the API, and the two-person rule holds', async () => {
    const alert = await postAlert(stack.apiUrl, JSON.stringify({ title: 'Support export mailed to the wrong tenant', severity: 'SEV2', tenant: 'acme', dedupKey: 'cli-api-1' }));
    const id = alert.body.incidentId as string;

    // Commands that do not depend on one another run side by side: each CLI process takes a second or two to start.
    const [acked, asAlice] = await Promise.all([klaxon(['ack', id], shell(tokens.bob)), failure(klaxon(['resolve', id, '--as', 'alice'], shell(tokens.bob)))]);
    expect(acked.stdout).toContain(`${id} acknowledged by bob.`);
    expect(asAlice).toMatchObject({ code: 2, stderr: expect.stringContaining('--as is for the embedded stack') });

    const requested = await klaxon(['containment', 'request', id, '--kind', 'isolate-tenant', '--mode', 'read-only', '--reason', 'exports leaking'], shell(tokens.bob));
    expect(requested.stdout).toContain('containment a1 requested');
    // Alice keeps her token with klaxon login (from standard input) meanwhile, then approves.
    const [selfApproval, login] = await Promise.all([failure(klaxon(['containment', 'approve', id, 'a1'], shell(tokens.bob))), klaxon(['login'], shell(), `${tokens.alice}\n`)]);
    expect(selfApproval).toMatchObject({ code: 1, stderr: expect.stringContaining('403: bob requested a1: a second person must approve it (two-person rule)') });
    expect(login.stdout).toContain('token "alice-laptop", acting as alice');
    expect(statSync(join(home, '.config/klaxon/credentials.json')).mode & 0o777).toBe(0o600);
    const [whoami, approved] = await Promise.all([klaxon(['whoami'], shell()), klaxon(['containment', 'approve', id, 'a1'], shell())]);
    expect(whoami.stdout).toMatch(/^token "alice-laptop", acting as alice, scopes incidents:write, incidents:read, expires 20/);
    expect(approved.stdout).toContain(`${id}: containment a1 is approved.`);

    const timeline = await waitFor('the ledger', async () => {
      const events = await stack.ledger.timeline(id);
      return events.some((e) => e.kind === 'containment.approved') && events;
    });
    const actor = (kind: string) => timeline.find((e) => e.kind === kind)?.actor;
    expect([actor('incident.acknowledged'), actor('containment.requested'), actor('containment.approved')]).toEqual([
      { type: 'responder', name: 'bob', via: 'api' },
      { type: 'responder', name: 'bob', via: 'api' },
      { type: 'responder', name: 'alice', via: 'api' },
    ]);
    expect((await klaxon(['logout'], shell())).stdout).toContain('Removed');
  });

  it('reads through the API under the token\'s scopes and tenants: list, show, clocks, history and evidence', async () => {
    const posted = await Promise.all(
      ['acme', 'globex'].map((tenant) => postAlert(stack.apiUrl, JSON.stringify({ title: `Invoices of ${tenant} shown to another tenant`, severity: 'SEV1', tenant, dedupKey: `cli-read-${tenant}` }))),
    );
    const [acmeId, globexId] = posted.map((p) => p.body.incidentId as string);
    const store = new ApiTokens(stack.db.pool);
    const auditor = (await store.create('acme-auditor', ['incidents:read', 'audit:read'], { tenants: ['acme'] })).token;
    await waitFor('the ledger', async () => (await stack.ledger.timeline(acmeId)).length > 0);

    // Reads only, each its own CLI process (a second or two to start): side by side, two at a time.
    const stdout = (p: Promise<{ stdout: string }>) => p.then((r) => r.stdout);
    const until = new Date(Date.now() + 60_000);
    const commands: Array<() => Promise<unknown>> = [
      // Bob's token reads incidents but not audit data: the state alone, and history is refused.
      () => stdout(klaxon(['incidents', 'list', '--severity', 'SEV1', '--json'], shell(tokens.bob))),
      () => stdout(klaxon(['incidents', 'show', acmeId, '--tz', 'Asia/Tokyo'], shell(tokens.bob))),
      () => stdout(klaxon(['clocks', acmeId, '--tz', 'Asia/Tokyo', '--json'], shell(tokens.bob))),
      () => failure(klaxon(['incidents', 'history', acmeId], shell(tokens.bob))),
      // The auditor's token is bound to acme: globex does not exist for it, through every command.
      () => stdout(klaxon(['incidents', 'list', '--all', '--json'], shell(auditor))),
      () => stdout(klaxon(['incidents', 'show', acmeId], shell(auditor))),
      () => stdout(klaxon(['incidents', 'history', acmeId], shell(auditor))),
      () => stdout(klaxon(['evidence', 'export', acmeId, '--format', 'md'], shell(auditor))),
      () => failure(klaxon(['incidents', 'show', globexId], shell(auditor))),
      () => stdout(klaxon(['evidence', 'export', '--since', new Date(until.getTime() - 3_600_000).toISOString(), '--until', until.toISOString(), '--format', 'csv'], shell(auditor))),
    ];
    const answers: unknown[] = [];
    for (let i = 0; i < commands.length; i += 2) answers.push(...(await Promise.all(commands.slice(i, i + 2).map((command) => command()))));
    const [bobList, bobShow, bobClocks, bobHistory, auditorList, auditorShow, auditorHistory, auditorEvidence, auditorGlobex, period] = answers as [string, string, string, unknown, string, string, string, string, unknown, string];

    const listed = JSON.parse(bobList) as Array<{ incidentId: string }>;
    expect(listed.map((r) => r.incidentId)).toEqual(expect.arrayContaining([acmeId, globexId]));
    expect(bobShow).toContain(`Incident ${acmeId}`);
    expect(bobShow).toContain('Timeline: unavailable (the token lacks the audit:read scope)');
    expect(JSON.parse(bobClocks)).toMatchObject({ incidentId: acmeId, readerZone: 'Asia/Tokyo' });
    expect(bobHistory).toMatchObject({ code: 1, stderr: expect.stringContaining('403: token "bob-laptop" lacks the audit:read scope') });

    const seen = JSON.parse(auditorList) as Array<{ incidentId: string; tenant: string }>;
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((r) => r.tenant === 'acme')).toBe(true);
    expect(auditorShow).toContain('Timeline (audit ledger)');
    expect(JSON.parse(auditorHistory).runs[0].source).toBe('temporal');
    expect(auditorEvidence).toContain(acmeId);
    expect(auditorGlobex).toMatchObject({ code: 1, stderr: expect.stringContaining('404') });
    expect(period.split('\n')[0]).toMatch(/severity/i);
    // The API audited the auditor's reads of audit data, under its token.
    const reads = (await stack.ledger.timeline(acmeId)).filter((e) => e.kind === 'audit.read' && e.actor.name === 'acme-auditor');
    expect(reads.map((e) => (e.payload as { what: string }).what).sort()).toEqual(['evidence (md)', 'history', 'timeline']);
  });

  it('refuses a revoked token, a token that is no token, and a wrong API address, each saying so; a failed login keeps nothing', async () => {
    const store = new ApiTokens(stack.db.pool);
    const { token } = await store.create('carol-old', ['incidents:write'], { responder: 'alice' });
    await store.revoke('carol-old');
    // Four refusals, independent of one another, each its own CLI process: two at a time.
    const [escalated, revokedLogin] = await Promise.all([failure(klaxon(['escalate', 'inc-acme-0000000000000000'], shell(token))), failure(klaxon(['login'], shell(), `${token}\n`))]);
    const [noToken, noApi] = await Promise.all([failure(klaxon(['login'], shell(), 'hunter2\n')), failure(klaxon(['ack', 'inc-acme-0000000000000000'], { ...shell(tokens.bob), KLAXON_API_URL: 'http://127.0.0.1:9' }))]);
    expect(escalated).toMatchObject({ code: 1, stderr: expect.stringContaining('401: the bearer token is unknown or revoked') });
    expect(revokedLogin).toMatchObject({ code: 1, stderr: expect.stringContaining('401: the bearer token is unknown or revoked') });
    expect(() => statSync(join(home, '.config/klaxon/credentials.json'))).toThrow();
    expect(noToken).toMatchObject({ code: 2, stderr: expect.stringContaining('standard input holds no Klaxon token') });
    expect(noApi).toMatchObject({
      code: 1,
      stderr: expect.stringContaining("cannot reach Klaxon's API at http://127.0.0.1:9 (KLAXON_API_URL)"),
    });
  });
});

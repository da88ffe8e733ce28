import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import { ApiTokens, type TokenBinding } from '../../ledger/api-tokens';
import { readStackFile } from '../../client/cli/stack-file';
import { AdminApiStandIn } from './admin-api-stand-in';
import { Child, isolatedStackEnv, klaxon, ROOT } from './processes';
import { signKlaxon } from './signing';
import { SlackStandIn } from './slack-stand-in';
import { register } from './teardown';

/**
 * The embedded stack (`npm start` in a child process) set up for the web console: Slack at a
 * stand-in, a policy of three responders of whom two may approve containment (the two-person
 * rule), a containment rule in approval mode reaching a stand-in of the customer's admin API,
 * every alert classified under EU law (so GDPR Art. 33's 72 hours run from the alert, by
 * policy), and personal tokens in its ledger for each person and each refusal.
 */

const WEBHOOK_SECRET = 'whsec_console_tests';
const ADMIN_SECRET = 'acme-containment-secret';
/** Slack signs its interactions with it: tests click buttons as Slack posts the clicks. */
export const CONSOLE_SLACK_SIGNING_SECRET = 'slack-signing-console';

// alice and bob are approvers; carol is not. Levels wait long: a test never sees an escalation it did not ask for.
const POLICY = `
name: console
responders:
  - { name: alice, slackUserId: U0ALICE, timeZone: Europe/Berlin, roles: [approver] }
  - { name: bob, slackUserId: U0BOB, timeZone: America/New_York, roles: [approver] }
  - { name: carol, slackUserId: U0CAROL, timeZone: Europe/Paris, roles: [incident-commander] }
levels:
  - { targets: [alice], timeoutMinutes: 60 }
  - { targets: [bob, carol], timeoutMinutes: 60 }
regulatory:
  awareOn: { dataCategories: [personal-data] }
containment:
  rules:
    - when: { severity: [SEV1] }
      mode: approval
      actions: [{ kind: isolate-tenant, mode: read-only }]
`;

// Acme's customers API serves pages and routes with personal data: its incidents name what they touch.
const RULES = `
rules:
  - name: acme customers API
    match: { tenant: acme }
    set: { service: customers-api, surfaces: [api-route, server-rendered-page], jurisdictions: [EU, DE] }
defaults:
  service: web-app
  jurisdictions: [EU]
`;

/** Every person and every refusal the console is tried with, each a personal token. */
export interface ConsoleTokens {
  /** Every scope, acting as alice (approver). */
  alice: string;
  /** Every scope, acting as bob (approver). */
  bob: string;
  /** incidents:read only: no audit data, no changes. */
  reader: string;
  /** Bound to tenant globex: acme's incidents do not exist for it. */
  globex: string;
  revoked: string;
  expired: string;
}

export interface ConsoleStack {
  /** The API, which serves the console at /console. */
  url: string;
  env: NodeJS.ProcessEnv;
  slack: SlackStandIn;
  admin: AdminApiStandIn;
  tokens: ConsoleTokens;
  /** Posts a signed generic alert; the id of the incident it opened (or joined). */
  alert(alert: Record<string, unknown>): Promise<string>;
  /** The `klaxon` CLI as a person with a token of their own would run it. */
  cli(args: string[], token: string): Promise<string>;
  stop(): Promise<void>;
}

export async function startConsoleStack(): Promise<ConsoleStack> {
  const dir = mkdtempSync(join(tmpdir(), 'klaxon-console-'));
  // Registered first, so it runs last: after the stack and the stand-ins have stopped.
  const removeDir = register(() => rmSync(dir, { recursive: true, force: true }));
  const slack = new SlackStandIn('xoxb-console');
  const admin = new AdminApiStandIn(ADMIN_SECRET);
  await Promise.all([slack.start(), admin.start()]);
  writeFileSync(join(dir, 'policy.yaml'), POLICY);
  writeFileSync(join(dir, 'rules.yaml'), RULES);
  writeFileSync(join(dir, 'containment.yaml'), `tenants:\n  acme: { adapter: webhook, url: "${admin.url}", secretEnv: ACME_CONTAINMENT_SECRET }\n`);
  const env: NodeJS.ProcessEnv = {
    ...(await isolatedStackEnv(join(dir, 'data'))),
    KLAXON_POLICY_FILE: join(dir, 'policy.yaml'),
    KLAXON_RULES_FILE: join(dir, 'rules.yaml'),
    KLAXON_CONTAINMENT_FILE: join(dir, 'containment.yaml'),
    ACME_CONTAINMENT_SECRET: ADMIN_SECRET,
    KLAXON_WEBHOOK_SECRET: WEBHOOK_SECRET,
    SLACK_BOT_TOKEN: slack.token,
    SLACK_API_URL: slack.url,
    SLACK_SIGNING_SECRET: CONSOLE_SLACK_SIGNING_SECRET,
    KLAXON_SLACK_CHANNEL: 'C0INCIDENTS',
    KLAXON_LOG_LEVEL: 'warn',
    TZ: 'UTC',
  };
  const url = `http://127.0.0.1:${env.PORT}`;
  const child = Child.start(process.execPath, [join(ROOT, 'node_modules/tsx/dist/cli.mjs'), 'scripts/start.ts'], env);
  await child.waitForOutput('Klaxon is running');

  const stack: ConsoleStack = {
    url,
    env,
    slack,
    admin,
    tokens: await makeTokens(env),
    async alert(alert) {
      const body = JSON.stringify(alert);
      const res = await fetch(`${url}/v1/alerts/generic`, { method: 'POST', headers: { 'content-type': 'application/json', 'klaxon-signature': signKlaxon(WEBHOOK_SECRET, body) }, body });
      const answer = (await res.json()) as { incidentId?: string; error?: string };
      if (res.status !== 202 || !answer.incidentId) throw new Error(`the alert was answered ${res.status}: ${JSON.stringify(answer)}`);
      return answer.incidentId;
    },
    async cli(args, token) {
      return (await klaxon(args, { ...env, KLAXON_TOKEN: token, KLAXON_API_URL: url })).stdout;
    },
    async stop() {
      await child.stop();
      await Promise.all([slack.stop(), admin.stop()]);
      await removeDir();
    },
  };
  return stack;
}

/**
 * A person's token, made as `klaxon tokens create` makes it (the same store, in the stack's ledger)
 * without a CLI process per token: set-up, not what the console tests check. The token itself.
 */
export async function createToken(env: NodeJS.ProcessEnv, name: string, scopes: string[], binding?: TokenBinding): Promise<string> {
  return (await createTokens(env, [{ name, scopes, binding }]))[0];
}

/** Tokens made one after another over one connection: the embedded ledger (PGlite) serves one at a time. */
async function createTokens(env: NodeJS.ProcessEnv, wanted: Array<{ name: string; scopes: string[]; binding?: TokenBinding; revoked?: boolean }>): Promise<string[]> {
  const db = new Pool({ connectionString: readStackFile(env.KLAXON_DATA_DIR!)!.databaseUrl, max: 1 });
  try {
    const store = new ApiTokens(db);
    const made: string[] = [];
    for (const { name, scopes, binding, revoked } of wanted) {
      made.push((await store.create(name, scopes, binding)).token);
      if (revoked) await store.revoke(name);
    }
    return made;
  } finally {
    await db.end();
  }
}

export const EVERY_SCOPE = ['incidents:read', 'audit:read', 'incidents:write'];

async function makeTokens(env: NodeJS.ProcessEnv): Promise<ConsoleTokens> {
  const [alice, bob, reader, globex, revoked, expired] = await createTokens(env, [
    { name: 'alice-laptop', scopes: EVERY_SCOPE, binding: { responder: 'alice' } },
    { name: 'bob-laptop', scopes: EVERY_SCOPE, binding: { responder: 'bob' } },
    { name: 'auditor-readonly', scopes: ['incidents:read'] },
    { name: 'globex-support', scopes: ['incidents:read', 'audit:read'], binding: { tenants: ['globex'] } },
    { name: 'left-the-company', scopes: ['incidents:read', 'audit:read'], revoked: true },
    // The stack runs in a process of its own whose clock a test cannot move: this token is made
    // having expired an hour ago, as a day's wait would leave a one-day token.
    { name: 'last-quarter', scopes: ['incidents:read', 'audit:read'], binding: { expiresAt: new Date(Date.now() - 3_600_000) } },
  ]);
  return { alice, bob, reader, globex, revoked, expired };
}

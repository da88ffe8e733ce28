import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, type TestDatabase } from './database';
import { EdgeConfigStandIn } from './edge-config-stand-in';
import { startExampleApp, type ExampleApp } from './nextjs-app';
import { startTestStack, WEBHOOK_SECRET, type TestStack } from './stack';
import { register, startAll } from './teardown';

/**
 * Klaxon beside a customer's Next.js app, as issue 21 pictures them: Klaxon's stack (Temporal,
 * worker, API) taking the `nextjs` source; an Edge Config (the stand-in) that Klaxon's
 * edge-config adapter writes containment to and the app's proxy reads; a policy whose SEV1 rule
 * isolates the tenant without waiting for anyone; the example app (`next start`) with its own
 * PostgreSQL schema for its audit records.
 */

export const EDGE_CONFIG_ID = 'ecfg_nextjs';
const EDGE_TOKEN = 'vercel-token-nextjs';

// alice pages at once and waits long: a test never sees an escalation it did not cause.
const POLICY = `
name: nextjs-app
responders:
  - { name: alice, slackUserId: U0ALICE, timeZone: Europe/Berlin, roles: [approver] }
levels:
  - { targets: [alice], timeoutMinutes: 60 }
containment:
  rules:
    - when: { severity: [SEV1] }
      mode: automatic
      actions: [{ kind: isolate-tenant, mode: blocked }]
`;

export interface NextjsStack {
  klaxon: TestStack;
  edge: EdgeConfigStandIn;
  /** The app's own database (its audit records). */
  appDb: TestDatabase;
  app: ExampleApp;
}

export async function startNextjsStack(): Promise<NextjsStack> {
  const dir = mkdtempSync(join(tmpdir(), 'klaxon-nextjs-'));
  register(() => rmSync(dir, { recursive: true, force: true }));
  const edge = new EdgeConfigStandIn(EDGE_TOKEN);
  await edge.start();
  edge.create(EDGE_CONFIG_ID);
  writeFileSync(join(dir, 'policy.yaml'), POLICY);
  const adapter = `{ adapter: edge-config, edgeConfigId: ${EDGE_CONFIG_ID}, tokenEnv: VERCEL_API_TOKEN, apiUrl: "${edge.url}" }`;
  writeFileSync(join(dir, 'containment.yaml'), `tenants:\n  acme: ${adapter}\n  globex: ${adapter}\n`);
  const [klaxon, appDb] = await startAll<[TestStack, TestDatabase]>([
    startTestStack({
      policyFile: join(dir, 'policy.yaml'),
      env: { KLAXON_CONTAINMENT_FILE: join(dir, 'containment.yaml'), VERCEL_API_TOKEN: EDGE_TOKEN },
    }),
    createTestDatabase({ ledger: false }),
  ]);
  const app = await startExampleApp({
    KLAXON_URL: klaxon.apiUrl,
    KLAXON_WEBHOOK_SECRET: WEBHOOK_SECRET,
    // The app holds the store's read token only, in a connection string as Vercel gives it.
    EDGE_CONFIG: edge.connectionString(EDGE_CONFIG_ID),
    DATABASE_URL: appDb.url,
  });
  return { klaxon, edge, appDb, app };
}

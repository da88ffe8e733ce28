import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { PagerDutyStandIn } from '../support/pagerduty-stand-in';
import { signKlaxon, signSlack } from '../support/signing';
import { ALERTMANAGER_TOKEN, SENTRY_CLIENT_SECRET, SLACK_SIGNING_SECRET, startTestStack, VERCEL_SECRET, WEBHOOK_SECRET, type TestStack } from '../support/stack';

/**
 * Property-based fuzzing of every inbound endpoint on the real stack: generated bodies
 * (malformed JSON, wrong types, huge strings, unicode) with headers forged, missing or signed
 * correctly. Every answer is a 2xx or a 4xx with a message, never a 5xx; input refused for
 * its credentials records nothing. FUZZ_RUNS sets the bodies per endpoint and property
 * (default 300 here; `FUZZ_RUNS=10000 npx jest test/integration/fuzz` for the full run).
 */
const RUNS = Number(process.env.FUZZ_RUNS || 300);
const PAGERDUTY_SECRET = 'pd-webhook-secret-fuzz';
const pagerduty = new PagerDutyStandIn();
let stack: TestStack;

beforeAll(async () => {
  await pagerduty.start();
  stack = await startTestStack({ pagerduty: { standIn: pagerduty, routingKeys: 'ops=R0OPSFUZZ0000000000000000000000', webhookSecrets: PAGERDUTY_SECRET } });
});
afterAll(async () => {
  await stack?.stop();
  await pagerduty.stop();
});

const hmac = (algo: string, secret: string, body: string) => createHmac(algo, secret).update(body).digest('hex');

/** Bodies as senders and attackers send them. */
const bodies = fc.oneof(
  fc.json(),
  fc.string({ maxLength: 200 }),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.jsonValue().map((v) => JSON.stringify(v)),
  // Objects shaped like alerts, with every field of a random type.
  fc.record({ title: fc.anything(), severity: fc.oneof(fc.constantFrom('SEV1', 'SEV2', 'sev9', ''), fc.anything()), tenant: fc.anything(), dedupKey: fc.anything(), details: fc.anything() }).map((v) => JSON.stringify(v)),
  fc.string({ minLength: 10_000, maxLength: 60_000 }),
  fc.constant(`{"title":"${'x'.repeat(2 * 1024 * 1024)}"}`),
  fc.constantFrom('', '{', '[]', 'null', '{"__proto__":{"polluted":1}}', 'payload=%7B', '\u0000', '\uFEFF{}'),
);

interface Endpoint {
  path: string;
  /** Headers a sender with the right credentials sends for this body. */
  signed: (body: string) => Record<string, string>;
  contentType: string;
}

const now = () => Math.floor(Date.now() / 1000);
const ENDPOINTS: Endpoint[] = [
  { path: '/v1/alerts/generic', contentType: 'application/json', signed: (b) => ({ 'klaxon-signature': signKlaxon(WEBHOOK_SECRET, b) }) },
  { path: '/v1/alerts/alertmanager', contentType: 'application/json', signed: () => ({ authorization: `Bearer ${ALERTMANAGER_TOKEN}` }) },
  { path: '/v1/alerts/sentry', contentType: 'application/json', signed: (b) => ({ 'sentry-hook-resource': 'event_alert', 'sentry-hook-signature': hmac('sha256', SENTRY_CLIENT_SECRET, b) }) },
  { path: '/v1/alerts/vercel', contentType: 'application/json', signed: (b) => ({ 'x-vercel-signature': hmac('sha1', VERCEL_SECRET, b) }) },
  { path: '/v1/slack/interactions', contentType: 'application/x-www-form-urlencoded', signed: (b) => signSlack(SLACK_SIGNING_SECRET, b, now()) },
  { path: '/v1/slack/commands', contentType: 'application/x-www-form-urlencoded', signed: (b) => signSlack(SLACK_SIGNING_SECRET, b, now()) },
  { path: '/v1/pagerduty/webhooks', contentType: 'application/json', signed: (b) => ({ 'x-pagerduty-signature': `v1=${hmac('sha256', PAGERDUTY_SECRET, b)}` }) },
];

/** Credentials that must not be enough: none, garbage, a signature of another body or secret, stale. */
const forged = (e: Endpoint) =>
  fc.oneof(
    fc.constant({}),
    fc.dictionary(fc.constantFrom('klaxon-signature', 'authorization', 'x-slack-signature', 'x-slack-request-timestamp', 'x-pagerduty-signature', 'x-vercel-signature', 'sentry-hook-signature'), fc.string({ maxLength: 80 })),
    fc.string().map((other) => ({ ...e.signed(`${other}-not-this-body`) })),
    fc.constant({ 'klaxon-signature': signKlaxon('wrong-secret', 'x'), authorization: 'Bearer wrong', 'x-slack-request-timestamp': String(now() - 3600) }),
  );

async function send(path: string, body: string, headers: Record<string, string>, contentType: string) {
  const res = await fetch(`${stack.apiUrl}${path}`, { method: 'POST', headers: { 'content-type': contentType, ...headers }, body });
  const text = await res.text();
  return { status: res.status, text };
}

const ledgerRows = async () => Number((await stack.db.pool.query('SELECT count(*) AS n FROM ledger_events')).rows[0].n);

describe.each(ENDPOINTS)('$path', (e) => {
  it('refuses forged or missing credentials with a 4xx, whatever the body, and records nothing', async () => {
    const before = await ledgerRows();
    await fc.assert(
      fc.asyncProperty(bodies, forged(e), async (body, headers) => {
        const r = await send(e.path, body, headers, e.contentType);
        expect(r.status).toBeGreaterThanOrEqual(400);
        expect(r.status).toBeLessThan(500);
        expect((JSON.parse(r.text) as { error: string }).error).toMatch(/\w/);
      }),
      { numRuns: RUNS },
    );
    expect(await ledgerRows()).toBe(before);
  });

  it('answers correctly signed bodies of any shape with a 2xx or a 4xx that names the problem, never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(bodies, async (body) => {
        const r = await send(e.path, body, e.signed(body), e.contentType);
        expect(r.status).toBeLessThan(500);
        if (r.status >= 400) expect((JSON.parse(r.text) as { error: string }).error).toMatch(/\w/);
      }),
      { numRuns: RUNS },
    );
  });
});

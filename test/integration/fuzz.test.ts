import { createHmac } from 'node:crypto';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { SLACK_ACTIONS } from '../../core/channels/slack-message';
import { complianceDeps } from '../../client/api/compliance';
import { FailedAttempts } from '../../client/api/failed-attempts';
import { apiDepsFromConfig, createApiServer } from '../../client/api/server';
import { updates } from '../../workflows/messages';
import { ApiTokens } from '../../ledger/api-tokens';
import { PagerDutyStandIn } from '../support/pagerduty-stand-in';
import { signKlaxon, signSlack } from '../support/signing';
import { ALERTMANAGER_TOKEN, postAlert, SENTRY_CLIENT_SECRET, SLACK_SIGNING_SECRET, startTestStack, VERCEL_SECRET, WEBHOOK_SECRET, type TestStack } from '../support/stack';
import { waitFor } from '../support/waiting';

/**
 * Property-based fuzzing of every route on the real stack: the alert sources, Slack, PagerDuty
 * and the compliance REST API, with generated bodies, paths and query strings (malformed JSON,
 * wrong types, nulls, huge and odd numbers, nesting thousands deep, bad percent-encoding,
 * unicode) under credentials forged, missing or right. Forged or missing credentials get a 4xx
 * and record nothing; authorised input of any shape gets a 2xx or a 4xx naming the problem,
 * never a 5xx; after every request the process still answers /healthz.
 * FUZZ_RUNS sets the runs per property: 100 in the suite (a sample on every run: 300 cost the
 * suite's 20-minute budget a minute), 10,000 with `npm run fuzz`, the search itself.
 */
const RUNS = Number(process.env.FUZZ_RUNS || 100);
/** Generous per run, so that `npm run fuzz` is not cut short by jest. */
const TIMEOUT = Math.max(120_000, RUNS * 200);
const PAGERDUTY_SECRET = 'pd-webhook-secret-fuzz';
const GRAFANA_TOKEN = 'grafana-token-fuzz';
const DATADOG_TOKEN = 'datadog-token-fuzz';
const pagerduty = new PagerDutyStandIn();
let stack: TestStack;
/** A token with every scope, acting as alice (a responder of the policy). */
let token: string;
/** An incident that exists, so that some generated requests reach a real one. */
let incidentId: string;

beforeAll(async () => {
  await pagerduty.start();
  stack = await startTestStack({
    pagerduty: { standIn: pagerduty, routingKeys: 'ops=R0OPSFUZZ0000000000000000000000', webhookSecrets: PAGERDUTY_SECRET },
    // No escalation while the forged properties count ledger rows.
    escalationMinutes: 24 * 60,
    env: { KLAXON_SOURCES: 'generic,alertmanager,grafana,datadog,sentry,vercel,nextjs', KLAXON_GRAFANA_TOKEN: GRAFANA_TOKEN, KLAXON_DATADOG_TOKEN: DATADOG_TOKEN },
  });
  token = (await new ApiTokens(stack.db.pool).create('fuzz', ['incidents:read', 'audit:read', 'incidents:write'], { responder: 'alice' })).token;
  const opened = await postAlert(stack.apiUrl, JSON.stringify({ title: 'fuzz target', severity: 'SEV3', tenant: 'acme', dedupKey: 'fuzz-target' }));
  incidentId = opened.body.incidentId as string;
  // Settled before the forged properties count rows.
  await waitFor('the target incident in the ledger', async () => (await stack.ledger.timeline(incidentId)).some((e) => e.kind === 'alert.received'));
  // Its first page is recorded a moment after its alert: the count must stand still for 2 s.
  let rows = -1;
  await waitFor('the ledger to stop growing', async () => {
    const was = rows;
    await new Promise((r) => setTimeout(r, 2000));
    rows = await ledgerRows();
    return rows === was;
  });
}, TIMEOUT);
afterAll(async () => {
  await stack?.stop();
  await pagerduty.stop();
});

const hmac = (algo: string, secret: string, body: string) => createHmac(algo, secret).update(body).digest('hex');
const now = () => Math.floor(Date.now() / 1000);

/** JSON text nested up to thousands deep, around the limit too (built as text: JSON.stringify itself runs out of stack on such values). */
const deepJson = fc
  .tuple(fc.oneof(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 40, max: 6000 })), fc.boolean())
  .map(([depth, arrays]) => (arrays ? `${'['.repeat(depth)}1${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`));
/** Numbers JSON allows that no field means: out of range, denormal, too precise. */
const oddNumber = fc.constantFrom('1e308', '-1e308', '1e3000', '-1e3000', '-0', '5e-324', '123456789012345678901234567890', '0.1e-999999');
/** A value where a field's own belongs: anything, null, or (as JSON text) an odd number or nesting up to thousands deep. */
const ODD = '@@odd@@';
const oddValue = fc.oneof(fc.anything(), fc.constant(null), fc.constant(ODD));
const oddText = fc.oneof(oddNumber, deepJson);

/** Every place in a JSON value, as a path of keys. */
function placesIn(value: unknown, path: Array<string | number> = []): Array<Array<string | number>> {
  if (value === null || typeof value !== 'object') return [path];
  const children = Object.entries(value).flatMap(([k, v]) => placesIn(v, [...path, Array.isArray(value) ? Number(k) : k]));
  return [path, ...children];
}

/**
 * Sender-shaped JSON: a well-formed value half of the time, else the same value with one place
 * in it (the whole, a field, an item, however deep) replaced by an odd value. One odd place
 * per request keeps most requests past parsing, into the code behind it.
 */
const oneOdd = <T>(valid: fc.Arbitrary<T>) =>
  fc.tuple(valid, fc.boolean(), fc.nat(), oddValue, oddText).map(([v, corrupt, pick, odd, text]) => {
    let out: unknown = structuredClone(v);
    if (corrupt) {
      const places = placesIn(out);
      const path = places[pick % places.length];
      if (path.length === 0) out = odd;
      else {
        const parent = path.slice(0, -1).reduce<Record<string | number, unknown>>((o, k) => o[k] as Record<string | number, unknown>, out as Record<string | number, unknown>);
        parent[path[path.length - 1]] = odd;
      }
    }
    return (JSON.stringify(out) ?? '').split(JSON.stringify(ODD)).join(text);
  });
/** Where a generated request names an incident: the real one (filled in when run), unknown ones, odd ones. */
const REAL = '@@real-incident@@';
const incidentRef = fc.oneof({ weight: 3, arbitrary: fc.constant(REAL) }, fc.constantFrom('inc-nobody', 'inc-acme-0000000000000000', ''), fc.string({ maxLength: 80 }), fc.string({ minLength: 1000, maxLength: 3000 }));
const real = (text: string) => text.split(REAL).join(incidentId);
/** A free-form map (alert details, Grafana values). */
const freeForm = fc.dictionary(fc.string({ maxLength: 10 }), fc.oneof(fc.string({ maxLength: 20 }), fc.integer(), fc.boolean()), { maxKeys: 4 });
/** A few dedup keys, so accepted alerts join a handful of incidents rather than open hundreds. */
const fuzzKey = fc.constantFrom('fuzz-1', 'fuzz-2', 'fuzz-3');

/** Klaxon's own alert, with one place sometimes odd. */
const genericAlert = oneOdd(
  fc.record(
    { title: fc.string({ minLength: 1, maxLength: 80 }), severity: fc.constantFrom('SEV1', 'SEV4', 'sev9'), tenant: fc.constantFrom('acme', 'globex', 'bad tenant'), dedupKey: fuzzKey, details: freeForm },
    { requiredKeys: ['title', 'severity', 'tenant'] },
  ),
);

/** Bodies as senders and attackers send them, to any route. */
const bodies = fc.oneof(
  fc.json(),
  fc.string({ maxLength: 200 }),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.jsonValue().map((v) => JSON.stringify(v)),
  genericAlert,
  deepJson,
  fc.string({ minLength: 10_000, maxLength: 60_000 }),
  fc.constant(`{"title":"${'x'.repeat(2 * 1024 * 1024)}"}`),
  fc.constantFrom('', '{', '[]', 'null', '{"__proto__":{"polluted":1}}', '{"constructor":{"prototype":{"x":1}}}', 'payload=%7B', 'payload=null', '\u0000', '\uFEFF{}', '1e3000'),
);

/** Slack interaction payloads: the documented shape (fields sometimes missing), with one place sometimes odd. */
const slackAction = fc.record(
  {
    action_id: fc.constantFrom(...Object.values(SLACK_ACTIONS)),
    value: fc.oneof(incidentRef, incidentRef.map((id) => `${id} isolate-tenant`)),
    block_id: incidentRef.map((id) => `klaxon_snooze:${id}`),
    selected_option: fc.record({ value: fc.constantFrom('15', '60', '1e300', '-5', '0x10', '99999999') }),
  },
  { requiredKeys: ['action_id'] },
);
const slackInteraction = oneOdd(
  fc.record(
    {
      type: fc.oneof({ weight: 4, arbitrary: fc.constant('block_actions') }, fc.constantFrom('view_submission', 'shortcut')),
      user: fc.record({ id: fc.constantFrom('U0ALICE', 'U0BOB', 'U0STRANGER') }),
      trigger_id: fc.constant('1.2.3'),
      response_url: fc.constant('https://hooks.slack.invalid/x'),
      actions: fc.array(slackAction, { minLength: 1, maxLength: 3 }),
      view: fc.record({ callback_id: fc.constantFrom('klaxon_resolve_modal', 'other'), private_metadata: incidentRef, state: fc.record({ values: fc.record({ note: fc.record({ note: fc.record({ value: fc.string() }) }) }) }) }),
    },
    { requiredKeys: ['type', 'user'] },
  ),
).map((payload) => new URLSearchParams({ payload: real(payload) }).toString());
const slackForms = fc.oneof({ weight: 12, arbitrary: slackInteraction }, deepJson.map((d) => `payload=${encodeURIComponent(d)}`), fc.constantFrom('payload=null', 'payload=42', 'payload=%', 'payload=%E0%A4%A', 'payload='));

/** Slash commands: a verb, an incident and the rest, from anyone. */
const slackCommand = fc
  .tuple(fc.oneof(fc.constant('U0ALICE'), fc.string()), fc.constantFrom('status', 'ack', 'resolve', 'help', 'bogus', ''), incidentRef, fc.string({ maxLength: 200 }))
  .map(([user, verb, id, rest]) => new URLSearchParams({ user_id: user, text: real(`${verb} ${id} ${rest}`) }).toString());

/** PagerDuty v3 webhook events, with one place sometimes odd. */
const pagerDutyEvent = oneOdd(
  fc.record({
    event: fc.record(
      {
        id: fc.string({ maxLength: 20 }),
        event_type: fc.constantFrom('incident.acknowledged', 'incident.resolved', 'incident.triggered'),
        agent: fc.record({ id: fc.constantFrom('P0ALICE', 'PSTRANGER'), type: fc.constantFrom('user_reference', 'service_reference') }),
        data: fc.record({ incident_key: incidentRef, status: fc.string() }),
      },
      { requiredKeys: ['event_type'] },
    ),
  }),
).map(real);

/** Alertmanager and Grafana webhooks, with one place sometimes odd. */
const labels = fc.record({ alertname: fc.constant('Fuzz'), tenant: fc.constantFrom('acme', 'bad tenant'), severity: fc.constantFrom('critical', 'SEV9') }, { requiredKeys: [] });
const prometheusStyle = oneOdd(
  fc.record(
    {
      version: fc.constant('4'),
      groupKey: fc.string({ maxLength: 20 }),
      receiver: fc.constant('klaxon'),
      status: fc.constantFrom('firing', 'resolved'),
      orgId: fc.integer(),
      alerts: fc.array(
        fc.record({
          status: fc.constantFrom('firing', 'resolved'),
          labels,
          annotations: fc.record({ summary: fc.string({ maxLength: 80 }) }, { requiredKeys: [] }),
          startsAt: fc.constantFrom('2026-01-01T00:00:00Z', 'yesterday'),
          fingerprint: fuzzKey,
          values: freeForm,
        }),
        { minLength: 1, maxLength: 3 },
      ),
    },
    { requiredKeys: ['receiver', 'status', 'alerts'] },
  ),
);

/** Datadog's payload template, with one place sometimes odd. */
const datadogPayload = oneOdd(
  fc.record(
    {
      id: fc.string({ minLength: 1, maxLength: 20 }),
      title: fc.string({ minLength: 1, maxLength: 80 }),
      transition: fc.constantFrom('Triggered', 'Recovered'),
      alertId: fuzzKey,
      priority: fc.constantFrom('P1', 'P5', 'P9'),
      tags: fc.constantFrom('tenant:acme', 'tenant:acme,klaxon_severity:SEV9,:,::', 'tenant:bad tenant,klaxon_data_category:health'),
    },
    { requiredKeys: ['id', 'title', 'transition', 'alertId'] },
  ),
);

/** Datadog's default payload (no template pasted): the title's prefix carries transition, scope and [TEST]. */
const datadogDefaultPayload = oneOdd(
  fc.record(
    {
      id: fc.string({ minLength: 1, maxLength: 20 }),
      title: fc
        .tuple(fc.constantFrom('', '[TEST] '), fc.constantFrom('[Triggered on {tenant:acme}] ', '[Recovered on {tenant:acme}] ', '[No Data] ', '[Warn on {', '[Bogus] ', '['), fc.string({ maxLength: 60 }))
        .map((parts) => parts.join('')),
      event_type: fc.constantFrom('query_alert_monitor', 'event_alert'),
      body: fc.string({ maxLength: 80 }),
      org: fc.record({ id: fc.string({ maxLength: 10 }) }),
    },
    { requiredKeys: ['id', 'title'] },
  ),
);

/** Sentry's metric alert webhook, the three documented actions and others. */
const sentryMetricAlert = oneOdd(
  fc.record({
    action: fc.constantFrom('critical', 'warning', 'resolved', 'other'),
    data: fc.record({
      description_title: fc.string({ maxLength: 40 }),
      metric_alert: fc.record({ id: fc.constantFrom('4', '5', 6), alert_rule: fc.record({ id: fc.constantFrom('7', 8), name: fc.string({ minLength: 1, maxLength: 40 }), projects: fc.array(fc.string({ maxLength: 10 }), { maxLength: 2 }) }) }),
    }),
  }),
);

/**
 * What @klaxon/next sends (an error, a data-guard finding, CSP violations): mostly well-formed,
 * a wrong value now and then, and one place sometimes odd; few fingerprints,
 * routes and hosts, so accepted reports join a handful of incidents.
 */
/** Mostly right: a wrong value in one field in ten, beside oneOdd's odd place. */
const mostly = <T>(right: fc.Arbitrary<T>, wrong: fc.Arbitrary<unknown>) => fc.oneof({ weight: 9, arbitrary: right }, { weight: 1, arbitrary: wrong });
const instant = mostly(fc.constant('2026-11-24T10:00:00Z'), fc.constantFrom('yesterday', '2026-11-24T09:00:00Z'));
const nextjsReport = oneOdd(
  fc.oneof(
    fc.record(
      {
        kind: fc.constant('error'),
        app: mostly(fc.constant('acme-web'), fc.constant('bad app')),
        tenant: mostly(fc.constant('acme'), fc.constant('bad tenant')),
        surface: mostly(fc.constantFrom('client-component', 'route-handler'), fc.constant('edge')),
        route: mostly(fc.constantFrom('/demo/client-error', '/customers/48213'), fc.constant('/q?x=1')),
        requestId: mostly(fc.constant('req-1'), fc.constant('a b')),
        error: fc.record({ name: fc.string({ minLength: 1, maxLength: 20 }), message: fc.string({ maxLength: 80 }), stack: fc.string({ maxLength: 200 }) }, { requiredKeys: ['name', 'message'] }),
        fingerprint: mostly(fc.constantFrom('0123456789abcdef', 'fedcba9876543210'), fc.constant('XYZ')),
        count: mostly(fc.integer({ min: 1, max: 1000 }), fc.oneof(fc.integer(), fc.double())),
        firstSeen: instant,
        lastSeen: instant,
      },
      { requiredKeys: ['kind', 'app', 'surface', 'route', 'error', 'fingerprint', 'count', 'firstSeen', 'lastSeen'] },
    ),
    fc.record(
      {
        kind: fc.constant('data-guard'),
        app: fc.constant('acme-web'),
        tenant: fc.constantFrom('acme', 'globex'),
        route: fc.constantFrom('/api/demo/export', '/api/x'),
        finding: mostly(fc.constantFrom('cross-tenant', 'sensitive-field'), fc.constant('other')),
        otherTenants: fc.array(mostly(fc.constantFrom('globex', 'initech'), fc.constant('bad tenant')), { minLength: 1, maxLength: 3 }),
        fields: fc.array(mostly(fc.constantFrom('ssn', 'email'), fc.constant('a value: 1')), { minLength: 1, maxLength: 3 }),
        records: mostly(fc.nat({ max: 100 }), fc.integer()),
        action: mostly(fc.constantFrom('blocked', 'reported'), fc.constant('maybe')),
        at: instant,
      },
      { requiredKeys: ['kind', 'app', 'tenant', 'route', 'finding', 'records', 'action', 'at'] },
    ),
    fc.record({
      kind: fc.constant('csp'),
      app: fc.constant('acme-web'),
      violations: fc.array(
        fc.record({
          directive: mostly(fc.constantFrom('connect-src', 'script-src', 'img-src'), fc.constant('Bad')),
          blockedHost: mostly(fc.constantFrom('evil.example', 'inline'), fc.constantFrom('https://x/y', '-.x')),
          documentPath: mostly(fc.constant('/checkout'), fc.constant('/a b')),
          count: mostly(fc.integer({ min: 1, max: 1000 }), fc.integer()),
        }),
        { minLength: 1, maxLength: 3 },
      ),
      from: instant,
      until: instant,
    }),
  ),
);

interface Endpoint {
  path: string;
  /** The test's name when one path is fuzzed several ways (Sentry's resources); the path otherwise. */
  name?: string;
  /** Headers a sender with the right credentials sends for this body. */
  signed: (body: string) => Record<string, string>;
  contentType: string;
  /** Bodies shaped like this endpoint's own, beside the common ones. */
  own?: fc.Arbitrary<string>;
}

const bearer = (t: string) => () => ({ authorization: `Bearer ${t}` });
const ENDPOINTS: Endpoint[] = [
  { path: '/v1/alerts/generic', contentType: 'application/json', signed: (b) => ({ 'klaxon-signature': signKlaxon(WEBHOOK_SECRET, b) }), own: genericAlert },
  { path: '/v1/alerts/alertmanager', contentType: 'application/json', signed: bearer(ALERTMANAGER_TOKEN), own: prometheusStyle },
  { path: '/v1/alerts/grafana', contentType: 'application/json', signed: bearer(GRAFANA_TOKEN), own: prometheusStyle },
  { path: '/v1/alerts/datadog', contentType: 'application/json', signed: bearer(DATADOG_TOKEN), own: fc.oneof(datadogPayload, datadogDefaultPayload) },
  { path: '/v1/alerts/sentry', name: '/v1/alerts/sentry (event_alert)', contentType: 'application/json', signed: (b) => ({ 'sentry-hook-resource': 'event_alert', 'sentry-hook-signature': hmac('sha256', SENTRY_CLIENT_SECRET, b) }) },
  { path: '/v1/alerts/sentry', name: '/v1/alerts/sentry (metric_alert)', contentType: 'application/json', signed: (b) => ({ 'sentry-hook-resource': 'metric_alert', 'sentry-hook-signature': hmac('sha256', SENTRY_CLIENT_SECRET, b) }), own: sentryMetricAlert },
  { path: '/v1/alerts/vercel', contentType: 'application/json', signed: (b) => ({ 'x-vercel-signature': hmac('sha1', VERCEL_SECRET, b) }) },
  { path: '/v1/alerts/nextjs', contentType: 'application/json', signed: (b) => ({ 'klaxon-signature': signKlaxon(WEBHOOK_SECRET, b) }), own: nextjsReport },
  { path: '/v1/slack/interactions', contentType: 'application/x-www-form-urlencoded', signed: (b) => signSlack(SLACK_SIGNING_SECRET, b, now()), own: slackForms },
  { path: '/v1/slack/commands', contentType: 'application/x-www-form-urlencoded', signed: (b) => signSlack(SLACK_SIGNING_SECRET, b, now()), own: slackCommand },
  { path: '/v1/pagerduty/webhooks', contentType: 'application/json', signed: (b) => ({ 'x-pagerduty-signature': `v1=${hmac('sha256', PAGERDUTY_SECRET, b)}` }), own: pagerDutyEvent },
];
const NAMED = ENDPOINTS.map((e) => ({ ...e, name: e.name ?? e.path }));
const bodiesFor = (e: Endpoint) => (e.own ? fc.oneof({ weight: 1, arbitrary: bodies }, { weight: 2, arbitrary: e.own }) : bodies);

/** Credentials that must not be enough: none, garbage, a signature of another body (where one signs the body) or secret, stale. */
const forged = (e: Endpoint) => {
  const signsBody = JSON.stringify(e.signed('a')) !== JSON.stringify(e.signed('b'));
  return fc.oneof(
    fc.constant({}),
    fc.dictionary(fc.constantFrom('klaxon-signature', 'authorization', 'x-slack-signature', 'x-slack-request-timestamp', 'x-pagerduty-signature', 'x-vercel-signature', 'sentry-hook-signature'), fc.string({ maxLength: 80 })),
    signsBody ? fc.string().map((other) => ({ ...e.signed(`${other}-not-this-body`) })) : fc.string({ maxLength: 40 }).map((t) => ({ authorization: `Bearer ${t}` })),
    fc.constant({ 'klaxon-signature': signKlaxon('wrong-secret', 'x'), authorization: 'Bearer wrong', 'x-slack-request-timestamp': String(now() - 3600) }),
  );
};

/** A compliance REST request: a route, an incident in its path (well-formed or not), a query, a body. */
const pathSegment = fc.oneof(
  incidentRef.map((id) => (id === REAL ? id : encodeURIComponent(id))),
  fc.constantFrom('%', '%E0%A4%A', '%ZZ', '%C0%AF', 'inc-%00', 'inc-%0A', 'inc-%C2%85', '%2F', '..', '%2e%2e', 'a'.repeat(3000)),
);
const queryValue = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom('1e308', 'Infinity', '-1', 'NaN', '1e3000', '0', '0.5', '72', 'true', 'false', 'SEV1', 'triggered', 'acme', "x' OR '1'='1", '2026-01-01T00:00:00Z', '+275760-09-14T00:00:00Z', '2026-13-45T99:99:99Z', 'json', 'csv', 'md', 'pdf'),
);
const queryName = fc.oneof({ weight: 6, arbitrary: fc.constantFrom('status', 'severity', 'tenant', 'category', 'jurisdiction', 'since', 'until', 'deadlineWithinHours', 'all', 'format') }, fc.constantFrom('__proto__', 'toString'), fc.string({ maxLength: 20 }));
const query = fc.oneof(
  fc.array(fc.tuple(queryName, queryValue), { maxLength: 6 }).map((pairs) => (pairs.length ? `?${pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&')}` : '')),
  fc.constantFrom('?%', '?a=%E0%A4%A', '?deadlineWithinHours=%', '?&&&', '?since', '?=x', `?status=${'x'.repeat(5000)}`),
);
// Bodies of every change (client/api/incident-changes.ts), right and wrong in shape.
const changeBodies = fc.oneof(
  bodies,
  oneOdd(
    fc.record(
      { note: fc.string({ maxLength: 200 }), minutes: fc.oneof(fc.integer(), fc.double()), to: fc.string({ maxLength: 40 }), reason: fc.string({ maxLength: 200 }), actionId: fc.string({ maxLength: 10 }), event: fc.constantFrom('aware', 'discovered', 'high-risk-determined', ''), policy: fc.string({ maxLength: 40 }) },
      { requiredKeys: [] },
    ),
  ),
);
const changes = fc.constantFrom(...Object.keys(updates), 'explode', 'constructor', '__proto__');
const restRequest = fc.oneof(
  fc.tuple(fc.constantFrom('', '/timeline', '/evidence', '/history'), pathSegment, query).map(([tail, id, q]) => ({ method: 'GET', path: real(`/v1/incidents/${id}${tail}${q}`), body: undefined })),
  query.map((q) => ({ method: 'GET', path: `/v1/incidents${q}`, body: undefined })),
  query.map((q) => ({ method: 'GET', path: `/v1/evidence${q}`, body: undefined })),
  fc.tuple(changes, pathSegment, changeBodies).map(([change, id, body]) => ({ method: 'POST', path: real(`/v1/incidents/${id}/${change}`), body })),
);
const forgedBearer = fc.oneof(
  fc.constant({}),
  fc.string({ maxLength: 80 }).map((s) => ({ authorization: `Bearer ${s}` })),
  fc.string({ maxLength: 80 }).map((s) => ({ authorization: s })),
  fc.constant({ authorization: `Basic ${Buffer.from('fuzz:fuzz').toString('base64')}` }),
  fc.constant({ authorization: 'Bearer kx_forged' }),
);

/** Any route, with a path segment that is not valid percent-encoding or decodes to a control character. */
const malformedPath = fc
  .tuple(
    fc.constantFrom('POST /v1/alerts/:x', 'POST /v1/heartbeats/:x', 'GET /v1/incidents/:x', 'GET /v1/incidents/:x/timeline', 'GET /v1/incidents/:x/evidence', 'GET /v1/incidents/:x/history', 'POST /v1/incidents/:x/acknowledge', 'POST /v1/incidents/:x/resolve', 'POST /v1/slack/:x', 'GET /healthz:x'),
    fc.oneof(
      fc.constantFrom('%', '%E0%A4%A', '%ZZ', '%C0%AF', '%ED%A0%80', '%FF'),
      fc.integer({ min: 0, max: 0x1f }).map((c) => `inc-%${c.toString(16).padStart(2, '0')}`),
      fc.tuple(fc.string({ maxLength: 20 }), fc.constantFrom('%', '%E', '%G0', '%e0%80')).map(([s, bad]) => `${encodeURIComponent(s)}${bad}`),
    ),
  )
  .map(([route, segment]) => {
    const [method, path] = route.split(' ');
    return { method, path: path.replace(':x', segment) };
  });

async function send(method: string, path: string, body: string | undefined, headers: Record<string, string>, contentType = 'application/json', apiUrl = stack.apiUrl) {
  const res = await fetch(`${apiUrl}${path}`, { method, headers: { 'content-type': contentType, ...headers }, body });
  const text = await res.text();
  // Whatever the request did, the process still serves.
  expect((await fetch(`${apiUrl}/healthz`)).status).toBe(200);
  return { status: res.status, text };
}

const expectRefused = (r: { status: number; text: string }) => {
  expect(r.status).toBeGreaterThanOrEqual(400);
  expect(r.status).toBeLessThan(500);
  expect((JSON.parse(r.text) as { error: string }).error).toMatch(/\w/);
};
const expectAnswered = (r: { status: number; text: string }) => {
  expect(r.status).toBeLessThan(500);
  if (r.status >= 400) expect((JSON.parse(r.text) as { error: string }).error).toMatch(/\w/);
};

const ledgerRows = async () => Number((await stack.db.pool.query('SELECT count(*) AS n FROM ledger_events')).rows[0].n);

// The forged properties run first, while nothing else is being written, so that "records
// nothing" can be read off the ledger's row count.
describe('forged or missing credentials get a 4xx, whatever the body, and record nothing', () => {
  it.each(NAMED)('$name', async (e) => {
    const before = await ledgerRows();
    await fc.assert(
      fc.asyncProperty(bodiesFor(e), forged(e), async (body, headers) => expectRefused(await send('POST', e.path, body, headers, e.contentType))),
      { numRuns: RUNS },
    );
    expect(await ledgerRows()).toBe(before);
  }, TIMEOUT);

  it('the compliance REST routes', async () => {
    // An API of its own whose failed-attempt limit never trips, so that every run reaches the
    // token check (not the 429 before it) and the stack's API is not limited for what follows.
    const api = createApiServer({
      ...apiDepsFromConfig(stack.config, stack.incidents, complianceDeps(stack.db.pool, stack.env.client)),
      failedAttempts: new FailedAttempts(Date.now, Number.MAX_SAFE_INTEGER),
      log: () => undefined,
    });
    api.listen(0, '127.0.0.1');
    await once(api, 'listening');
    const apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
    const before = await ledgerRows();
    try {
      await fc.assert(
        fc.asyncProperty(restRequest, forgedBearer, async (r, headers) => {
          const answer = await send(r.method, r.path, r.body, headers, 'application/json', apiUrl);
          expectRefused(answer);
          expect(answer.status).not.toBe(429);
        }),
        { numRuns: RUNS },
      );
    } finally {
      await new Promise((done) => api.close(done));
    }
    expect(await ledgerRows()).toBe(before);
  }, TIMEOUT);
});

describe('a malformed path gets a 400 on every route, signed or not', () => {
  it('whatever its route and credentials', async () => {
    await fc.assert(
      fc.asyncProperty(malformedPath, fc.boolean(), async ({ method, path }, authorised) => {
        const r = await send(method, path, method === 'POST' ? '{}' : undefined, authorised ? { authorization: `Bearer ${token}`, 'klaxon-signature': signKlaxon(WEBHOOK_SECRET, '{}') } : {});
        expect(r.status).toBe(400);
        expect((JSON.parse(r.text) as { error: string }).error).toMatch(/request path/);
      }),
      { numRuns: RUNS },
    );
  }, TIMEOUT);
});

describe('authorised input of any shape gets a 2xx or a 4xx naming the problem, never a 5xx', () => {
  it.each(NAMED)('$name', async (e) => {
    await fc.assert(
      fc.asyncProperty(bodiesFor(e), async (body) => expectAnswered(await send('POST', e.path, body, e.signed(body), e.contentType))),
      { numRuns: RUNS },
    );
  }, TIMEOUT);

  it('the compliance REST routes', async () => {
    await fc.assert(
      fc.asyncProperty(restRequest, async (r) => {
        const answer = await send(r.method, r.path, r.body, { authorization: `Bearer ${token}` });
        expectAnswered(answer);
        // A right token is never limited: were it, this property would test nothing.
        expect(answer.status).not.toBe(429);
      }),
      { numRuns: RUNS },
    );
  }, TIMEOUT);
});

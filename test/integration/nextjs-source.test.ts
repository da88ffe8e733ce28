import { temporal } from '@temporalio/proto';
import { nextjsDataGuard, nextjsError } from '../support/nextjs-reports';
import { signKlaxon } from '../support/signing';
import { startTestStack, WEBHOOK_SECRET, type TestStack } from '../support/stack';
import { waitFor } from '../support/waiting';

/**
 * `POST /v1/alerts/nextjs` on the real stack (Temporal, PostgreSQL, the API), as @klaxon/next
 * forwards: signed errors grouped by fingerprint, data-guard findings as breaches or near
 * misses, CSP violations as possible exfiltration, and everything else refused with nothing opened.
 */
let stack: TestStack;
const logs: string[] = [];
beforeAll(async () => {
  stack = await startTestStack({ apiLog: (line) => logs.push(line) });
});
afterAll(() => stack?.stop());

async function post(body: unknown, headers?: Record<string, string>) {
  const raw = typeof body === 'string' ? body : JSON.stringify(body);
  const res = await fetch(`${stack.apiUrl}/v1/alerts/nextjs`, { method: 'POST', headers: { 'content-type': 'application/json', ...(headers ?? { 'klaxon-signature': signKlaxon(WEBHOOK_SECRET, raw) }) }, body: raw });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}
const incidentCount = async () => (await stack.env.client.workflow.count(`WorkflowType = 'incident'`)).count;
/** Everything Temporal holds of an incident, as text: what was kept of its alerts. */
async function temporalText(incidentId: string): Promise<string> {
  const history = await stack.env.client.workflow.getHandle(incidentId).fetchHistory();
  return Buffer.from(temporal.api.history.v1.History.encode(history).finish()).toString('utf8');
}
const received = (incidentId: string) =>
  waitFor('the alert in the ledger', async () => (await stack.ledger.timeline(incidentId)).find((e) => e.kind === 'alert.received'));

/** The n-th report of one client error: the app counts it, and its message names a person. */
const clientError = (n: number, fingerprint = 'c0ffee00c0ffee00c0ffee00c0ffee00') =>
  nextjsError({
    requestId: `req-${n}`,
    error: { name: 'TypeError', message: `Cannot render the profile of jane.doe@example.com (${n})`, stack: 'TypeError: boom\n    at Profile (https://acme.example/_next/static/chunks/page.js?token=s3cr3t:1:2)' },
    fingerprint,
    count: n,
    firstSeen: '2026-11-24T09:00:00Z',
    lastSeen: new Date(Date.parse('2026-11-24T09:00:00Z') + n * 1000).toISOString(),
  });
const dataGuard = (action: string, route: string) => nextjsDataGuard({ action, route, at: new Date().toISOString() });

describe('Next.js errors', () => {
  it('opens one incident for a client component error, source nextjs, titled by its surface, with no personal data kept', async () => {
    const first = await post(clientError(1));
    expect(first).toMatchObject({ status: 202, body: { alerts: [{ deduplicated: false }], resolved: [] } });
    const incidentId = first.body.alerts[0].incidentId as string;
    expect(await stack.incidents.state(incidentId)).toMatchObject({ title: 'Next.js client component error on /demo/client-error: TypeError', severity: 'SEV3', tenant: 'acme', dataCategories: [] });
    expect((await received(incidentId))!.payload).toMatchObject({ source: 'nextjs', severity: 'SEV3', dedupKey: 'nextjs:error:acme-web:c0ffee00c0ffee00c0ffee00c0ffee00' });
    const kept = await temporalText(incidentId);
    expect(kept).toContain('"surface":"client-component"');
    expect(kept).toContain('Cannot render the profile of [email] (1)');
    expect(kept).not.toMatch(/jane\.doe|s3cr3t/);
  });

  it('keeps 20 repeats of one fingerprint in one incident', async () => {
    const before = await incidentCount();
    const answers = [];
    for (let n = 1; n <= 20; n++) answers.push(await post(clientError(n, 'feed0000feed0000')));
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(202));
    const ids = new Set(answers.map((a) => a.body.alerts[0].incidentId));
    expect(ids.size).toBe(1);
    expect(answers.map((a) => a.body.alerts[0].deduplicated)).toEqual([false, ...Array(19).fill(true)]);
    const [incidentId] = ids;
    await waitFor('the 20 alerts counted', async () => (await stack.incidents.state(incidentId)).alertCount === 20);
    await waitFor('visibility to count the incident', async () => (await incidentCount()) > before);
    expect(await incidentCount()).toBe(before + 1);
  });
});

describe('Next.js data guard', () => {
  it('opens a SEV1 incident with personal data for records of another tenant that left the app: the GDPR clock applies', async () => {
    const answer = await post(dataGuard('reported', '/api/demo/export'));
    expect(answer.status).toBe(202);
    const incidentId = answer.body.alerts[0].incidentId as string;
    expect(incidentId).toMatch(/^inc-acme-/);
    expect(await stack.incidents.state(incidentId)).toMatchObject({ severity: 'SEV1', tenant: 'acme', dataCategories: ['personal-data'], title: 'Next.js data guard: records of other tenants in a response on /api/demo/export' });
    expect((await stack.incidents.clocks(incidentId, 'UTC')).obligations).toContain('gdpr-art33');
  });

  it('opens a SEV2 incident without data categories for records the guard blocked: a near miss, no clock', async () => {
    const answer = await post(dataGuard('blocked', '/api/demo/blocked-export'));
    expect(answer.status).toBe(202);
    const incidentId = answer.body.alerts[0].incidentId as string;
    expect(await stack.incidents.state(incidentId)).toMatchObject({ severity: 'SEV2', tenant: 'acme', dataCategories: [] });
    expect((await stack.incidents.clocks(incidentId, 'UTC')).obligations).not.toContain('gdpr-art33');
  });
});

describe('Next.js CSP violations', () => {
  it('opens a SEV2 "possible exfiltration" incident for connect-src to a host, and answers the rest as ignored', async () => {
    const answer = await post({
      kind: 'csp',
      app: 'acme-web',
      violations: [
        { directive: 'connect-src', blockedHost: 'evil.example', documentPath: '/checkout', count: 4 },
        { directive: 'img-src', blockedHost: 'pixels.example', documentPath: '/checkout', count: 9 },
      ],
      from: '2026-11-24T09:55:00Z',
      until: '2026-11-24T10:00:00Z',
    });
    expect(answer).toMatchObject({ status: 202, body: { alerts: [{ deduplicated: false }], ignored: [{ reason: 'CSP violation that is not an exfiltration path', count: expect.any(Number) }] } });
    const incidentId = answer.body.alerts[0].incidentId as string;
    expect(await stack.incidents.state(incidentId)).toMatchObject({ severity: 'SEV2', title: 'Next.js CSP: possible exfiltration to evil.example (connect-src)' });
    // The log names the source and Klaxon's reason, nothing the app sent.
    expect(logs.some((l) => l.includes('nextjs delivery accepted and ignored: CSP violation that is not an exfiltration path'))).toBe(true);
    expect(logs.join('\n')).not.toContain('pixels.example');
  });
});

describe('what the source refuses, opening nothing', () => {
  it('401 unsigned or badly signed; 400 not JSON; 422 naming the field of a wrong shape; 413 past 64 KiB', async () => {
    const before = await incidentCount();
    const body = JSON.stringify(dataGuard('reported', '/api/refused'));
    expect(await post(body, {})).toMatchObject({ status: 401, body: { error: 'missing Klaxon-Signature header' } });
    expect(await post(body, { 'klaxon-signature': signKlaxon('not-the-secret', body) })).toMatchObject({ status: 401, body: { error: 'signature does not match the body' } });
    expect((await post('{"kind":')).status).toBe(400);
    const wrong = await post({ ...clientError(1), props: { email: 'jane.doe@example.com' }, route: '/x?y=1' });
    expect(wrong.status).toBe(422);
    expect(wrong.body.problems).toEqual(expect.arrayContaining([expect.stringMatching(/^route: /), '(body): unknown field(s) props']));
    expect(JSON.stringify(wrong.body)).not.toContain('jane.doe');
    const huge = await post({ ...clientError(1), error: { name: 'E', message: 'x'.repeat(70 * 1024) } });
    expect(huge.status).toBe(413);
    expect(await incidentCount()).toBe(before);
  });
});

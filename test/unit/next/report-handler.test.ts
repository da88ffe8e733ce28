import { klaxonReportHandler, MAX_REPORT_BYTES } from '../../../packages/next/src/report-handler';
import { buildClientReport } from '../../../packages/next/src/client-report';
import { KlaxonReceiver } from '../../support/next/klaxon-receiver';

const post = (body: unknown, contentType = 'application/json') =>
  new Request('https://acme.app.example/api/klaxon/report', {
    method: 'POST',
    headers: { 'content-type': contentType },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

/** What the boundary sends for an error thrown in render, built by the package's own client code. */
function browserReport(message = 'Cannot read properties of undefined (reading "id")') {
  const error = new TypeError(message);
  error.stack = `TypeError: ${message}\n    at Widget (https://acme.app.example/_next/static/chunks/app.js?dpl=abc123:10:5)`;
  return buildClientReport(error, { release: 'r1' }, { pathname: '/demo/client-error', requestId: '4c0f6a1e-0000-4000-8000-000000000001' });
}

describe('klaxonReportHandler', () => {
  const klaxon = new KlaxonReceiver();
  const handler = (rateLimit?: { perFingerprintSeconds?: number; perMinute?: number }) =>
    klaxonReportHandler({ app: 'acme-web', klaxonUrl: klaxon.url, secret: klaxon.secret, rateLimit, resolveTenant: () => 'acme' });
  let errorLog: jest.SpyInstance;

  beforeAll(() => klaxon.start());
  beforeEach(() => {
    klaxon.received.length = 0;
    klaxon.status = 202;
    errorLog = jest.spyOn(console, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => jest.restoreAllMocks());

  it('forwards a boundary report signed so that Klaxon verifies it, with fingerprint and count, and answers 202', async () => {
    const res = await handler().POST(post(browserReport()));
    expect(res.status).toBe(202);
    expect(klaxon.received).toHaveLength(1);
    const [forward] = klaxon.received;
    expect(forward.path).toBe('/v1/alerts/nextjs');
    expect(forward.verified).toBe(true);
    expect(forward.body).toEqual({
      kind: 'error',
      app: 'acme-web',
      tenant: 'acme',
      surface: 'client-component',
      route: '/demo/client-error',
      release: 'r1',
      requestId: '4c0f6a1e-0000-4000-8000-000000000001',
      error: { name: 'TypeError', message: 'Cannot read properties of undefined (reading "id")', stack: expect.stringContaining('app.js:10:5') },
      fingerprint: expect.stringMatching(/^[0-9a-f]{32}$/),
      count: 1,
      firstSeen: expect.any(String),
      lastSeen: expect.any(String),
    });
    expect(forward.raw).not.toContain('dpl=abc123');
  });

  it('redacts again what a browser sent unredacted: the browser is not trusted to have done it', async () => {
    const hostile = {
      surface: 'client-component',
      route: '/checkout',
      error: {
        name: 'Error',
        message: 'payment failed for jane.doe@example.com card 4111 1111 1111 1111 token=sk_live_abcdefghijklmnop',
        stack: 'Error: x\n    at pay (https://acme.app.example/app.js?email=jane.doe@example.com:1:2)',
      },
    };
    expect((await handler().POST(post(hostile))).status).toBe(202);
    const sent = klaxon.received[0].raw;
    expect(sent).not.toMatch(/jane\.doe|4111|sk_live_abcdef/);
    expect(klaxon.received[0].body.error).toMatchObject({ message: expect.stringContaining('[email]'), stack: 'Error: x\n    at pay (https://acme.app.example/app.js:1:2)' });
  });

  it.each([
    ['not JSON', '{"surface":', 400, /not JSON/],
    ['an unknown field (props, state…)', { ...browserReport(), props: { email: 'a@b.example' } }, 400, /unknown field\(s\) props/],
    ['an unknown error field', { ...browserReport(), error: { ...browserReport().error, formValues: {} } }, 400, /error: unknown field\(s\) formValues/],
    ['a surface a browser cannot see', { ...browserReport(), surface: 'middleware' }, 400, /surface/],
    ['a route with a query string', { ...browserReport(), route: '/search?q=jane' }, 400, /route/],
    ['a missing error', { surface: 'client-component', route: '/' }, 400, /error/],
    ['another app', { ...browserReport(), app: 'globex-web' }, 400, /reports for "acme-web"/],
    ['a release with a space', { ...browserReport(), release: 'r 1' }, 400, /release/],
    ['a route with a space', { ...browserReport(), route: '/a b' }, 400, /route/],
    ['a request id outside its alphabet', { ...browserReport(), requestId: '<script>' }, 400, /requestId/],
  ])('refuses %s with a 400 naming the problem, and forwards nothing', async (_, body, status, message) => {
    const res = await handler().POST(post(body as object));
    expect(res.status).toBe(status);
    expect(((await res.json()) as { error: string }).error).toMatch(message);
    expect(klaxon.received).toHaveLength(0);
  });

  it('refuses a body over 16 KiB (413) and another content type (415), forwarding nothing', async () => {
    const big = { ...browserReport(), error: { ...browserReport().error, stack: 'x'.repeat(MAX_REPORT_BYTES) } };
    expect((await handler().POST(post(big))).status).toBe(413);
    expect((await handler().POST(post(browserReport(), 'text/plain'))).status).toBe(415);
    expect(klaxon.received).toHaveLength(0);
  });

  it('turns a flood of one error into one forward and 429s, and the next forward carries the count', async () => {
    const h = handler({ perFingerprintSeconds: 0.5 });
    const answers = await Promise.all(Array.from({ length: 60 }, (_, i) => h.POST(post(browserReport(`Order ${1000 + i} failed`)))));
    const statuses = answers.map((r) => r.status);
    expect(statuses.filter((s) => s === 202)).toHaveLength(1);
    expect(statuses.filter((s) => s === 429)).toHaveLength(59);
    expect(answers.find((r) => r.status === 429)!.headers.get('retry-after')).toBe('60');
    expect(klaxon.received).toHaveLength(1);
    await new Promise((ok) => setTimeout(ok, 600));
    expect((await h.POST(post(browserReport('Order 77 failed')))).status).toBe(202);
    expect(klaxon.received.map((r) => r.body.count)).toEqual([1, 60]);
    expect(klaxon.received[1].body.fingerprint).toBe(klaxon.received[0].body.fingerprint);
  });

  it('caps forwards per minute across fingerprints: distinct errors cannot flood Klaxon either', async () => {
    const h = handler({ perMinute: 5 });
    const statuses: number[] = [];
    for (const name of ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H']) {
      statuses.push((await h.POST(post({ ...browserReport(), error: { name: `${name}Error`, message: 'x' } }))).status);
    }
    expect(statuses).toEqual([202, 202, 202, 202, 202, 429, 429, 429]);
    expect(klaxon.received).toHaveLength(5);
  });

  it('answers 204 when Klaxon refuses or cannot be reached, and logs it without the report', async () => {
    klaxon.status = 500;
    expect((await handler().POST(post(browserReport('secret text of the page')))).status).toBe(204);
    expect(errorLog).toHaveBeenCalledTimes(1);
    expect(String(errorLog.mock.calls[0][0])).toMatch(/HTTP 500 to a error report|HTTP 500/);
    expect(String(errorLog.mock.calls[0][0])).not.toContain('secret text');
    const unreachable = klaxonReportHandler({ app: 'acme-web', klaxonUrl: 'http://127.0.0.1:9', secret: 's' });
    expect((await unreachable.POST(post(browserReport()))).status).toBe(204);
  });

  it('sends nothing without KLAXON_URL and KLAXON_WEBHOOK_SECRET, and says so', async () => {
    const unset = klaxonReportHandler({ app: 'acme-web' });
    const saved = { url: process.env.KLAXON_URL, secret: process.env.KLAXON_WEBHOOK_SECRET };
    delete process.env.KLAXON_URL;
    delete process.env.KLAXON_WEBHOOK_SECRET;
    try {
      expect((await unset.POST(post(browserReport()))).status).toBe(204);
      expect(String(errorLog.mock.calls[0][0])).toMatch(/KLAXON_URL and KLAXON_WEBHOOK_SECRET must both be set/);
    } finally {
      Object.assign(process.env, Object.fromEntries(Object.entries({ KLAXON_URL: saved.url, KLAXON_WEBHOOK_SECRET: saved.secret }).filter(([, v]) => v !== undefined)));
    }
  });

  it('reads KLAXON_URL and KLAXON_WEBHOOK_SECRET from the environment by default', async () => {
    process.env.KLAXON_URL = `${klaxon.url}/`;
    process.env.KLAXON_WEBHOOK_SECRET = klaxon.secret;
    try {
      expect((await klaxonReportHandler({ app: 'acme-web' }).POST(post(browserReport()))).status).toBe(202);
      expect(klaxon.received[0]).toMatchObject({ path: '/v1/alerts/nextjs', verified: true });
    } finally {
      delete process.env.KLAXON_URL;
      delete process.env.KLAXON_WEBHOOK_SECRET;
    }
  });
});

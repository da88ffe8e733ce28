import { blockedHost, klaxonCspReportHandler } from '../../../packages/next/src/csp-report-handler';
import { KlaxonReceiver } from '../../support/next/klaxon-receiver';

const legacy = (directive: string, blocked: string, document = 'https://acme.app.example/checkout?order=42') =>
  new Request('https://acme.app.example/api/csp', {
    method: 'POST',
    headers: { 'content-type': 'application/csp-report' },
    body: JSON.stringify({ 'csp-report': { 'document-uri': document, 'violated-directive': `${directive} 'self'`, 'effective-directive': directive, 'blocked-uri': blocked, 'original-policy': "default-src 'self'", disposition: 'enforce', 'status-code': 200 } }),
  });
const reportingApi = (reports: unknown[]) =>
  new Request('https://acme.app.example/api/csp', { method: 'POST', headers: { 'content-type': 'application/reports+json' }, body: JSON.stringify(reports) });
const violation = (effectiveDirective: string, blockedURL: string, documentURL = 'https://acme.app.example/checkout') => ({
  age: 1,
  type: 'csp-violation',
  url: documentURL,
  user_agent: 'Chrome',
  body: { documentURL, effectiveDirective, blockedURL, disposition: 'enforce', originalPolicy: "default-src 'self'", statusCode: 200, sample: 'secret sample' },
});

describe('klaxonCspReportHandler', () => {
  const klaxon = new KlaxonReceiver();
  const handler = (windowSeconds: number) => klaxonCspReportHandler({ app: 'acme-web', release: 'r1', klaxonUrl: klaxon.url, secret: klaxon.secret, windowSeconds });

  beforeAll(() => klaxon.start());
  beforeEach(() => {
    klaxon.received.length = 0;
  });

  it('sums both report formats per directive, host and page over a window, and forwards them once, signed', async () => {
    const h = handler(0.3);
    expect((await h.POST(legacy('connect-src', 'https://evil.example/collect?d=jane@example.com'))).status).toBe(204);
    expect((await h.POST(reportingApi([violation('connect-src', 'https://evil.example/x'), violation('script-src-elem', 'https://cdn.unknown.example/s.js'), { type: 'deprecation', body: {} }]))).status).toBe(204);
    expect((await h.POST(legacy('img-src', 'data'))).status).toBe(204);
    expect(klaxon.received).toHaveLength(0);
    await new Promise((ok) => setTimeout(ok, 350));
    expect((await h.POST(legacy('form-action', 'https://phish.example/post'))).status).toBe(204);
    expect(klaxon.received).toHaveLength(1);
    const [forward] = klaxon.received;
    expect(forward.verified).toBe(true);
    expect(forward.body).toEqual({
      kind: 'csp',
      app: 'acme-web',
      release: 'r1',
      from: expect.any(String),
      until: expect.any(String),
      violations: expect.arrayContaining([
        { directive: 'connect-src', blockedHost: 'evil.example', documentPath: '/checkout', count: 2 },
        { directive: 'script-src-elem', blockedHost: 'cdn.unknown.example', documentPath: '/checkout', count: 1 },
        { directive: 'img-src', blockedHost: 'data', documentPath: '/checkout', count: 1 },
        { directive: 'form-action', blockedHost: 'phish.example', documentPath: '/checkout', count: 1 },
      ]),
    });
    expect((forward.body.violations as unknown[]).length).toBe(4);
    expect(forward.raw).not.toMatch(/jane|order=42|secret sample|default-src/);
    expect(Date.parse(forward.body.from as string)).toBeLessThan(Date.parse(forward.body.until as string));
    // The window starts afresh: nothing is sent twice.
    await h.POST(legacy('connect-src', 'https://evil.example/x'));
    expect(klaxon.received).toHaveLength(1);
  });

  it.each([
    ['inline', 'inline'],
    ['eval', 'eval'],
    ['wasm-eval', 'eval'],
    ['data', 'data'],
    ['data:image/png;base64,AAAA', 'data'],
    ['blob', 'blob'],
    ['', 'self'],
    ['https://EVIL.example:8443/a?b', 'evil.example'],
    ['not a uri', undefined],
    // Hosts Klaxon's source does not take: the violation is dropped rather than the window refused.
    ['https://[::1]:8080/x', undefined],
    ['https://a_b.example/', undefined],
  ])('reads blocked "%s" as %s', (blocked, host) => {
    expect(blockedHost(blocked)).toBe(host);
  });

  it.each([
    ['not JSON', 'application/csp-report', '{', 400],
    ['a report without its document', 'application/csp-report', JSON.stringify({ 'csp-report': { 'blocked-uri': 'x' } }), 400],
    ['a Reporting API body that is not a list', 'application/reports+json', JSON.stringify({ type: 'csp-violation' }), 400],
    ['a csp-violation without its body fields', 'application/reports+json', JSON.stringify([{ type: 'csp-violation', body: {} }]), 400],
    ['another content type', 'application/json', '[]', 415],
    ['more than 64 KiB', 'application/reports+json', JSON.stringify([violation('connect-src', `https://a.example/${'x'.repeat(70_000)}`)]), 413],
  ])('refuses %s, forwarding nothing', async (_, contentType, body, status) => {
    const res = await handler(0).POST(new Request('https://acme.app.example/api/csp', { method: 'POST', headers: { 'content-type': contentType }, body }));
    expect(res.status).toBe(status);
    expect(klaxon.received).toHaveLength(0);
  });
});

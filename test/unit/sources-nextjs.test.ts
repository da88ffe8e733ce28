import { loadConfig } from '../../config/environment';
import { classify, parseRules } from '../../core/alerts/classification';
import { nextjsSource } from '../../core/sources/nextjs';
import { enabledSources } from '../../core/sources/registry';
import type { SourceRequest, SourceSettings } from '../../core/sources/source';
import { cspViolation as violation, nextjsCsp as csp, nextjsDataGuard as dataGuard, nextjsError as error } from '../support/nextjs-reports';
import { signKlaxon } from '../support/signing';
import { rejection } from '../support/source-rejection';

/** The Next.js source (`POST /v1/alerts/nextjs`) on what @klaxon/next sends: each kind, each class, what it refuses. */
const SECRET = 'whsec_nextjs_unit';
const settings: SourceSettings = { secrets: { KLAXON_WEBHOOK_SECRET: SECRET }, defaultTenant: 'unassigned' };
const receivedAt = new Date('2026-11-24T10:00:00Z');
const now = Math.floor(receivedAt.getTime() / 1000);

function request(body: unknown, headers: Record<string, string | undefined> = {}, t = now): SourceRequest {
  const raw = typeof body === 'string' ? body : JSON.stringify(body);
  const all: Record<string, string | undefined> = { 'klaxon-signature': signKlaxon(SECRET, raw, t), ...headers };
  return { header: (n) => all[n.toLowerCase()], rawBody: Buffer.from(raw), receivedAt };
}
const receive = (body: unknown, headers?: Record<string, string | undefined>, t?: number) => nextjsSource.receive(request(body, headers, t), settings);

const FINGERPRINT = '3f2a9c0d1e4b5a6978c0d1e2f3a4b5c6';

describe('Next.js source: errors', () => {
  it('opens one SEV3 alert per fingerprint, titled by surface, route and error name, the message redacted in the details only', () => {
    const { alerts, resolutions } = receive(error({ error: { name: 'TypeError', message: 'no invoice for jane.doe@example.com, card 4111 1111 1111 1111' } }));
    expect(resolutions).toEqual([]);
    expect(alerts).toHaveLength(1);
    const [alert] = alerts;
    expect(alert).toMatchObject({
      source: 'nextjs',
      title: 'Next.js client component error on /demo/client-error: TypeError',
      severity: 'SEV3',
      dedupKey: `nextjs:error:acme-web:${FINGERPRINT}`,
      tenant: 'acme',
      dataCategories: [],
      receivedAt: receivedAt.toISOString(),
    });
    expect(alert.details).toMatchObject({
      labels: { kind: 'error', app: 'acme-web', surface: 'client-component', route: '/demo/client-error', release: 'abc123' },
      requestId: 'req_01J:9',
      count: 1,
      error: { name: 'TypeError', message: 'no invoice for [email], card [number]' },
    });
    expect(JSON.stringify(alert)).not.toMatch(/jane|4111/);
  });

  it('names each surface in words', () => {
    const titles = ['client-component', 'server-component', 'route-handler', 'server-action', 'middleware'].map((surface) => receive(error({ surface })).alerts[0].title);
    expect(titles).toEqual([
      'Next.js client component error on /demo/client-error: TypeError',
      'Next.js server component error on /demo/client-error: TypeError',
      'Next.js route handler error on /demo/client-error: TypeError',
      'Next.js server action error on /demo/client-error: TypeError',
      'Next.js middleware error on /demo/client-error: TypeError',
    ]);
  });

  it('keeps ids and addresses of a path out of titles and labels, and query strings out of stacks', () => {
    const [alert] = receive(error({ route: '/customers/48213/invoices/9b2f6c1e-0d3a-4c5b-8e7f-112233445566/jane@example.com', tenant: undefined })).alerts;
    expect(alert.title).toBe('Next.js client component error on /customers/:id/invoices/:id/:id: TypeError');
    expect((alert.details.labels as Record<string, string>).route).toBe('/customers/:id/invoices/:id/:id');
    expect((alert.details.error as { stack: string }).stack).toBe('TypeError: boom\n    at Profile (https://acme.example/_next/static/chunks/app/page.js:12:7)');
    // No tenant named: the default tenant, flagged for triage.
    expect(alert).toMatchObject({ tenant: 'unassigned', details: { triage: 'the report names no tenant: assigned to the default tenant' } });
  });

  it('gives repeats of one error one key, whatever route, tenant or count, and each delivery its own id', () => {
    const a = receive(error()).alerts[0];
    const b = receive(error({ route: '/other', tenant: 'globex', count: 20 }), undefined, now + 1).alerts[0];
    expect(b.dedupKey).toBe(a.dedupKey);
    expect(b.deliveryId).not.toBe(a.deliveryId);
    // The same signed bytes again: the same delivery (a replay the API recognises).
    expect(receive(error()).alerts[0].deliveryId).toBe(a.deliveryId);
    expect(receive(error({ fingerprint: 'a'.repeat(64) })).alerts[0].dedupKey).not.toBe(a.dedupKey);
  });
});

describe('Next.js source: data guard', () => {
  it.each([
    ['cross-tenant', 'reported', 'SEV1', ['personal-data']],
    ['cross-tenant', 'blocked', 'SEV2', []],
    ['sensitive-field', 'reported', 'SEV2', ['personal-data']],
    ['sensitive-field', 'blocked', 'SEV3', []],
  ])('%s %s: %s with %j', (finding, action, severity, dataCategories) => {
    const fields = finding === 'sensitive-field' ? { fields: ['ssn', 'date_of_birth'], otherTenants: undefined } : {};
    const [alert] = receive(dataGuard({ finding, action, ...fields })).alerts;
    expect(alert).toMatchObject({ severity, dataCategories, tenant: 'acme', dedupKey: `nextjs:data-guard:acme-web:acme:${finding}:/api/demo/export` });
    expect(alert.details).toMatchObject({ labels: { kind: 'data-guard', app: 'acme-web', route: '/api/demo/export', finding, action }, records: 3 });
  });

  it('puts blocked and reported findings of a route in one incident, titled without the other tenants', () => {
    const reported = receive(dataGuard()).alerts[0];
    const blocked = receive(dataGuard({ action: 'blocked' })).alerts[0];
    expect(blocked.dedupKey).toBe(reported.dedupKey);
    expect(reported.title).toBe('Next.js data guard: records of other tenants in a response on /api/demo/export');
    expect(reported.details).toMatchObject({ otherTenants: ['globex'], outcome: 'the response left the app: its records reached the caller' });
  });

  it('keeps keys within what Klaxon stores, distinct for routes that differ only at their end', () => {
    const long = (end: string) => receive(dataGuard({ tenant: 't'.repeat(128), app: 'a'.repeat(64), route: `/${'r'.repeat(500)}${end}` })).alerts[0].dedupKey;
    expect(long('x').length).toBeLessThanOrEqual(255);
    expect(long('x')).not.toBe(long('y'));
    expect(long('x')).toBe(long('x'));
  });
});

describe('Next.js source: CSP violations', () => {
  it('classifies connect-src and form-action to a host as possible exfiltration (SEV2), scripts from a host SEV3, and ignores the rest with the reason', () => {
    const { alerts, ignored } = receive(
      csp([
        violation('connect-src', 'Evil.Example', '/checkout', 3),
        violation('connect-src', 'evil.example', '/account/48213', 2),
        violation('form-action', 'forms.evil.example'),
        violation('script-src-elem', 'cdn.unlisted.example'),
        violation('img-src', 'pixels.example'),
        violation('connect-src', 'data'),
        violation('script-src', 'inline'),
      ]),
    );
    expect(alerts.map((a) => [a.title, a.severity, a.dedupKey])).toEqual([
      ['Next.js CSP: possible exfiltration to evil.example (connect-src)', 'SEV2', 'nextjs:csp:acme-web:connect-src:evil.example'],
      ['Next.js CSP: possible exfiltration to forms.evil.example (form-action)', 'SEV2', 'nextjs:csp:acme-web:form-action:forms.evil.example'],
      ['Next.js CSP: script from an unlisted host: cdn.unlisted.example (script-src-elem)', 'SEV3', 'nextjs:csp:acme-web:script-src-elem:cdn.unlisted.example'],
    ]);
    // One host's violations over several pages: one alert, their counts summed, the pages as templates.
    expect(alerts[0]).toMatchObject({ tenant: 'unassigned', dataCategories: [], details: { count: 5, documentPaths: ['/checkout', '/account/:id'], labels: { kind: 'csp', directive: 'connect-src', host: 'evil.example' } } });
    expect(new Set(alerts.map((a) => a.deliveryId)).size).toBe(3);
    expect(ignored).toEqual([{ reason: 'CSP violation that is not an exfiltration path', deliveryId: expect.any(String) }]);
  });

  it('answers a report of noise only as ignored, opening nothing', () => {
    expect(receive(csp([violation('style-src', 'fonts.example'), violation('connect-src', 'blob')]))).toMatchObject({ alerts: [], ignored: [{ reason: 'CSP violation that is not an exfiltration path' }] });
  });
});

describe('Next.js source: what it refuses', () => {
  it('refuses an unsigned request, a bad signature and a stale one with 401', () => {
    expect(rejection(() => receive(error(), { 'klaxon-signature': undefined }))).toMatchObject({ status: 401, message: 'missing Klaxon-Signature header' });
    const wrong = request(error(), { 'klaxon-signature': signKlaxon('not-the-secret', JSON.stringify(error()), now) });
    expect(rejection(() => nextjsSource.receive(wrong, settings))).toMatchObject({ status: 401, message: 'signature does not match the body' });
    expect(rejection(() => receive(error(), undefined, now - 3600)).status).toBe(401);
  });

  it('refuses what is not JSON with 400', () => {
    expect(rejection(() => receive('{"kind":'))).toMatchObject({ status: 400 });
  });

  it.each([
    ['an unknown field', error({ props: { email: 'x' } }), 'unknown field(s) props'],
    ['an unknown field of the error', error({ error: { name: 'E', message: '', formValues: {} } }), 'error: unknown field(s) formValues'],
    ['no kind', (({ kind, ...rest }) => rest)(error()), 'kind:'],
    ['an unknown kind', error({ kind: 'log' }), 'kind:'],
    ['an unknown surface', error({ surface: 'edge' }), 'surface:'],
    ['a route with a query', error({ route: '/search?q=jane' }), 'route: a path starting with "/"'],
    ['a route that is not a path', error({ route: 'https://acme.example/x' }), 'route:'],
    ['a route too long', error({ route: `/${'a'.repeat(512)}` }), 'route:'],
    ['a fingerprint not hex', error({ fingerprint: 'ZZZZZZZZZZZZZZZZ' }), 'fingerprint: 16 to 64 lowercase hex digits'],
    ['a count of zero', error({ count: 0 }), 'count:'],
    ['a count past a million', error({ count: 1_000_001 }), 'count:'],
    ['a stack too long', error({ error: { name: 'E', message: '', stack: 'x'.repeat(8193) } }), 'error.stack: is 8193 characters long; at most 8192'],
    ['a NUL in a message', error({ error: { name: 'E', message: 'a\u0000b' } }), 'error.message: holds the control character U+0000'],
    ['a tenant outside the alphabet', error({ tenant: 'acme corp' }), 'tenant:'],
    ['a request id with a space', error({ requestId: 'a b' }), 'requestId:'],
    ['no instant', error({ lastSeen: 'yesterday' }), 'lastSeen:'],
    ['a window running backwards', error({ firstSeen: '2026-11-24T10:00:00Z', lastSeen: '2026-11-24T09:00:00Z' }), 'lastSeen: is before firstSeen'],
    ['a cross-tenant finding naming no tenant', dataGuard({ otherTenants: [] }), 'otherTenants: a cross-tenant finding names at least one other tenant'],
    ["a cross-tenant finding naming the caller's tenant", dataGuard({ otherTenants: ['acme'] }), "otherTenants: holds the caller's own tenant"],
    ['a sensitive-field finding naming no field', dataGuard({ finding: 'sensitive-field', otherTenants: undefined }), 'fields: a sensitive-field finding names at least one field'],
    ['a field that is a value', dataGuard({ finding: 'sensitive-field', fields: ['ssn: 123-45-6789'] }), 'fields.0:'],
    ['21 other tenants', dataGuard({ otherTenants: Array.from({ length: 21 }, (_, i) => `t${i}`) }), 'otherTenants:'],
    ['records past ten million', dataGuard({ records: 10_000_001 }), 'records:'],
    ['a data-guard finding without the caller', dataGuard({ tenant: undefined }), 'tenant: is required'],
    ['no violations', csp([]), 'violations:'],
    ['101 violations', csp(Array.from({ length: 101 }, () => violation('connect-src', 'evil.example'))), 'violations:'],
    ['a blocked URL instead of a host', csp([violation('connect-src', 'https://evil.example/x?d=1')]), 'violations.0.blockedHost: a host name'],
    ['a host label too long', csp([violation('connect-src', `${'a'.repeat(64)}.example`)]), 'violations.0.blockedHost:'],
  ])('422 naming the field for %s', (_what, body, problem) => {
    const refused = rejection(() => receive(body));
    expect(refused.status).toBe(422);
    expect(refused.message).toMatch(/^invalid Next\.js report: /);
    expect(refused.problems?.join('\n')).toContain(problem);
  });

  it('takes at most 64 KiB, and only with KLAXON_WEBHOOK_SECRET set', () => {
    expect(nextjsSource.maxBodyBytes).toBe(64 * 1024);
    expect(() => enabledSources(loadConfig({ KLAXON_SOURCES: 'nextjs' }))).toThrow('source "nextjs" is enabled but KLAXON_WEBHOOK_SECRET is not set');
    expect([...enabledSources(loadConfig({ KLAXON_SOURCES: 'generic,nextjs', KLAXON_WEBHOOK_SECRET: 'x' })).sources.keys()]).toEqual(['generic', 'nextjs']);
  });
});

describe('Next.js alerts and classification rules', () => {
  const rules = parseRules(
    {
      rules: [
        { name: 'server errors of the web app', match: { source: 'nextjs', labels: { surface: '^(server-component|route-handler)$', app: '^acme-web$' } }, set: { severity: 'SEV2', service: 'web-app', surfaces: ['server-rendered-page'] } },
        { name: 'exfiltration from checkout', match: { source: 'nextjs', labels: { directive: '^connect-src$' } }, set: { tenant: 'acme', dataCategories: ['payment-card'] } },
      ],
    },
    'rules.yaml',
  );

  it('match on source nextjs and its labels: surface, app, directive', () => {
    expect(classify(receive(error({ surface: 'server-component' })).alerts[0], rules)).toMatchObject({ severity: 'SEV2', classification: { rule: 'server errors of the web app', service: 'web-app' } });
    expect(classify(receive(error()).alerts[0], rules)).toMatchObject({ severity: 'SEV3', details: { triage: 'no classification rule matched' } });
    expect(classify(receive(csp([violation('connect-src', 'evil.example')])).alerts[0], rules)).toMatchObject({ tenant: 'acme', dataCategories: ['payment-card'] });
  });
});

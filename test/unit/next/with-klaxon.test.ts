import type { Pool } from 'pg';
import { createAuditStore, migrateAuditStore, type AuditStore } from '../../../packages/next/src/audit-store';
import { ActionWithheldError, withKlaxon, withKlaxonAction, type WithKlaxonOptions } from '../../../packages/next/src/with-klaxon';
import { createAppDatabase } from '../../support/next/app-database';
import { KlaxonReceiver } from '../../support/next/klaxon-receiver';

/** Records as the example's export route returns them; the values are what must never travel. */
const ACME = { id: 1, tenant: 'acme', name: 'Acme Anvil Ltd', email: 'anna@acme.example' };
const GLOBEX = { id: 2, tenant: 'globex', name: 'Globex Secret Project', email: 'hank@globex.example' };
const VALUES = /Anvil|anna@|Globex Secret|hank@/;

const get = (path: string, headers: Record<string, string> = {}) => new Request(`https://acme.app.example${path}`, { headers });

describe('withKlaxon and withKlaxonAction (audit trail and leak guard)', () => {
  const klaxon = new KlaxonReceiver();
  let pool: Pool;
  let audit: AuditStore;
  let errorLog: jest.SpyInstance;
  const options = (over: Partial<WithKlaxonOptions> = {}): WithKlaxonOptions => ({
    app: 'acme-web',
    klaxonUrl: klaxon.url,
    secret: klaxon.secret,
    audit,
    actor: () => ({ id: 'user-17', tenant: 'acme' }),
    guard: { tenantOf: (r) => (r as { tenant?: string }).tenant, sensitiveFields: ['ssn', 'dateOfBirth'], onViolation: 'block' },
    ...over,
  });
  const rows = async (requestId: string) => (await pool.query('SELECT actor, tenant, route, method, status, records, findings, action FROM klaxon_data_access WHERE request_id = $1', [requestId])).rows;

  beforeAll(async () => {
    await klaxon.start();
    ({ pool } = await createAppDatabase());
    await migrateAuditStore(pool);
    audit = createAuditStore({ pool });
  });
  beforeEach(() => {
    klaxon.received.length = 0;
    errorLog = jest.spyOn(console, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => jest.restoreAllMocks());

  it("blocks a response carrying another tenant's records: a neutral 502, Klaxon told, the access recorded", async () => {
    const route = withKlaxon(() => Response.json([ACME, GLOBEX]), options({ route: '/api/demo/export' }));
    const res = await route(get('/api/demo/export?tenant=globex&leak=1', { 'x-request-id': 'req-block-1' }), undefined);
    expect(res.status).toBe(502);
    const body = await res.text();
    expect(JSON.parse(body)).toEqual({ error: 'The request could not be completed.', requestId: 'req-block-1' });
    expect(body).not.toMatch(/globex|tenant|guard|klaxon/i);
    expect(klaxon.received).toHaveLength(1);
    expect(klaxon.received[0].verified).toBe(true);
    expect(klaxon.received[0].body).toEqual({
      kind: 'data-guard',
      app: 'acme-web',
      tenant: 'acme',
      route: '/api/demo/export',
      requestId: 'req-block-1',
      finding: 'cross-tenant',
      otherTenants: ['globex'],
      records: 2,
      action: 'blocked',
      at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    expect(klaxon.received[0].raw).not.toMatch(VALUES);
    expect(await rows('req-block-1')).toEqual([{ actor: 'user-17', tenant: 'acme', route: '/api/demo/export', method: 'GET', status: 502, records: 2, findings: ['cross-tenant'], action: 'blocked' }]);
  });

  it('lets the response pass unchanged in report mode, and tells Klaxon it left', async () => {
    const route = withKlaxon(() => Response.json([ACME, GLOBEX], { headers: { 'x-app': 'kept' } }), options({ guard: { tenantOf: (r) => (r as { tenant: string }).tenant, onViolation: 'report' } }));
    const res = await route(get('/api/demo/export', { 'x-request-id': 'req-report-1' }), undefined);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-app')).toBe('kept');
    expect(await res.json()).toEqual([ACME, GLOBEX]);
    expect(klaxon.received.map((r) => [r.body.finding, r.body.action, r.body.route])).toEqual([['cross-tenant', 'reported', '/api/demo/export']]);
    expect(await rows('req-report-1')).toMatchObject([{ status: 200, records: 2, findings: ['cross-tenant'], action: 'reported' }]);
  });

  it('finds sensitive fields at any depth, whatever their case, and reports their names only', async () => {
    const record = { ...ACME, profile: { SSN: '123-45-6789', nested: [{ dateOfBirth: '1990-01-01' }] } };
    const route = withKlaxon(() => Response.json({ data: [record] }), options({ guard: { tenantOf: (r) => (r as { tenant: string }).tenant, sensitiveFields: ['ssn', 'dateOfBirth'], records: (b) => (b as { data: unknown[] }).data, onViolation: 'report' } }));
    const res = await route(get('/api/profile', { 'x-request-id': 'req-fields-1' }), undefined);
    expect(res.status).toBe(200);
    expect(klaxon.received.map((r) => r.body)).toEqual([expect.objectContaining({ finding: 'sensitive-field', fields: ['ssn', 'dateOfBirth'], records: 1, route: '/api/profile' })]);
    expect(klaxon.received[0].raw).not.toMatch(/123-45|1990-01/);
    expect(await rows('req-fields-1')).toMatchObject([{ findings: ['sensitive-field'], records: 1 }]);
  });

  it("records a clean access (the caller's own records) and tells Klaxon nothing", async () => {
    const route = withKlaxon(() => Response.json([ACME, { ...ACME, id: 3 }]), options());
    const res = await route(get('/api/demo/export', { 'x-request-id': 'req-clean-1' }), undefined);
    expect(res.status).toBe(200);
    expect(klaxon.received).toHaveLength(0);
    expect(await rows('req-clean-1')).toEqual([{ actor: 'user-17', tenant: 'acme', route: '/api/demo/export', method: 'GET', status: 200, records: 2, findings: [], action: null }]);
  });

  it('gives a call without the middleware a request id of its own', async () => {
    const route = withKlaxon(() => new Response('plain text'), options({ route: '/api/text' }));
    expect(await (await route(get('/api/text'), undefined)).text()).toBe('plain text');
    const recorded = (await pool.query(`SELECT request_id, records FROM klaxon_data_access WHERE route = '/api/text'`)).rows;
    expect(recorded).toEqual([{ request_id: expect.stringMatching(/^[0-9a-f-]{36}$/), records: null }]);
  });

  it('reports an error the handler throws (surface route-handler), records it as 500, and throws it on', async () => {
    const route = withKlaxon(() => {
      throw new RangeError('export of 4412 rows failed for anna@acme.example');
    }, options({ route: '/api/demo/export' }));
    await expect(route(get('/api/demo/export', { 'x-request-id': 'req-throw-1' }), undefined)).rejects.toThrow(RangeError);
    expect(klaxon.received.map((r) => r.body)).toEqual([expect.objectContaining({ kind: 'error', surface: 'route-handler', tenant: 'acme', route: '/api/demo/export', requestId: 'req-throw-1', error: expect.objectContaining({ name: 'RangeError', message: 'export of 4412 rows failed for [email]' }) })]);
    expect(await rows('req-throw-1')).toMatchObject([{ status: 500, records: null }]);
  });

  it('serves the response when the audit store fails, and logs it without any record value', async () => {
    const failing: AuditStore = { record: () => Promise.reject(new Error('connection refused')), close: async () => undefined };
    const route = withKlaxon(() => Response.json([ACME]), options({ audit: failing }));
    expect((await route(get('/api/demo/export', { 'x-request-id': 'req-audit-down' }), undefined)).status).toBe(200);
    expect(errorLog).toHaveBeenCalledTimes(1);
    expect(String(errorLog.mock.calls[0][0])).toMatch(/audit record of GET \/api\/demo\/export \(request req-audit-down\) could not be written: connection refused/);
    expect(errorLog.mock.calls.flat().join(' ')).not.toMatch(VALUES);
  });

  it('guards a server action: the value it returns is inspected, a blocked one is never returned', async () => {
    const action = withKlaxonAction(async (tenant: string) => [ACME, { ...GLOBEX, tenant }], { ...options(), route: '/settings/export', actor: () => ({ id: 'user-17', tenant: 'acme' }) });
    const failure = await action('globex').catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(ActionWithheldError);
    expect(String((failure as Error).message)).toBe('The action could not be completed.');
    expect(klaxon.received.map((r) => [r.body.finding, r.body.action, r.body.route])).toEqual([['cross-tenant', 'blocked', '/settings/export']]);
    const requestId = klaxon.received[0].body.requestId as string;
    expect(await rows(requestId)).toMatchObject([{ method: 'ACTION', status: 502, records: 2, findings: ['cross-tenant'], action: 'blocked' }]);
    expect(await action('acme')).toEqual([ACME, { ...GLOBEX, tenant: 'acme' }]);
  });

  it('refuses, at start-up, a route, app name, release or field name the wire format cannot carry', () => {
    const handler = () => new Response('x');
    expect(() => withKlaxon(handler, options({ route: 'api/export' }))).toThrow(/must be a path/);
    expect(() => withKlaxon(handler, options({ route: '/api/export?tenant=x' }))).toThrow(/must be a path/);
    expect(() => withKlaxon(handler, options({ app: 'acme web' }))).toThrow(/app must be/);
    expect(() => withKlaxon(handler, options({ release: 'build 7' }))).toThrow(/release must be/);
    expect(() => withKlaxon(handler, options({ guard: { tenantOf: () => undefined, sensitiveFields: ['social security'], onViolation: 'block' } }))).toThrow(/sensitive field "social security"/);
  });
});

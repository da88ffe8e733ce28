import type { Pool } from 'pg';
import { createAuditStore, migrateAuditStore, type DataAccessRecord } from '../../../packages/next/src/audit-store';
import { createAppDatabase } from '../../support/next/app-database';

const entry = (over: Partial<DataAccessRecord> = {}): DataAccessRecord => ({
  at: '2026-12-06T00:00:00.000Z',
  app: 'acme-web',
  actor: 'user-17',
  tenant: 'acme',
  route: '/api/demo/export',
  method: 'GET',
  status: 200,
  records: 3,
  requestId: 'req-1',
  findings: [],
  ...over,
});

describe('createAuditStore (klaxon_data_access on PostgreSQL)', () => {
  let pool: Pool;
  let url: string;

  beforeAll(async () => {
    ({ pool, url } = await createAppDatabase());
    await migrateAuditStore(pool);
    // Running it again at the next start-up changes nothing and does not fail.
    await migrateAuditStore(pool);
  });

  it('appends one row per access, with what the guard found', async () => {
    const store = createAuditStore({ pool });
    await store.record(entry());
    await store.record(entry({ requestId: 'req-2', status: 502, findings: ['cross-tenant', 'sensitive-field'], action: 'blocked' }));
    await store.record(entry({ requestId: 'req-3', records: null }));
    const rows = (await pool.query('SELECT at, app, actor, tenant, route, method, status, records, request_id, findings, action FROM klaxon_data_access ORDER BY id')).rows;
    expect(rows.map((r) => [r.request_id, r.status, r.records, r.findings, r.action])).toEqual([
      ['req-1', 200, 3, [], null],
      ['req-2', 502, 3, ['cross-tenant', 'sensitive-field'], 'blocked'],
      ['req-3', 200, null, [], null],
    ]);
    expect(rows[0]).toMatchObject({ at: new Date('2026-12-06T00:00:00.000Z'), app: 'acme-web', actor: 'user-17', tenant: 'acme', route: '/api/demo/export', method: 'GET' });
  });

  it.each([
    ['UPDATE', 'UPDATE klaxon_data_access SET records = 0'],
    ['DELETE', 'DELETE FROM klaxon_data_access'],
    ['TRUNCATE', 'TRUNCATE klaxon_data_access'],
  ])('refuses %s to everyone, the owner included (trigger)', async (op, sql) => {
    await createAuditStore({ pool }).record(entry({ requestId: `before-${op}` }));
    await expect(pool.query(sql)).rejects.toMatchObject({ message: `klaxon_data_access is append-only: ${op} is not allowed`, code: '42501' });
    expect(Number((await pool.query(`SELECT count(*) FROM klaxon_data_access WHERE request_id = $1`, [`before-${op}`])).rows[0].count)).toBe(1);
  });

  it('refuses a row that contradicts itself (a finding without an action)', async () => {
    await expect(createAuditStore({ pool }).record(entry({ findings: ['cross-tenant'] }))).rejects.toThrow(/check constraint/);
  });

  it('opens its own pool from a connection string, loading pg only then, and closes it', async () => {
    const store = createAuditStore({ connectionString: url });
    await store.record(entry({ requestId: 'from-url' }));
    await store.close();
    expect((await pool.query(`SELECT count(*) FROM klaxon_data_access WHERE request_id = 'from-url'`)).rows[0].count).toBe('1');
  });
});

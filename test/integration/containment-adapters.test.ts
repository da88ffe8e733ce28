import { Pool } from 'pg';
import { PermanentAdapterError, type AdapterRequest } from '../../activities/containment/adapter';
import { EdgeConfigAdapter } from '../../activities/containment/edge-config';
import { PostgresAdapter } from '../../activities/containment/postgres';
import { WebhookAdapter } from '../../activities/containment/webhook';
import { AdminApiStandIn } from '../support/admin-api-stand-in';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { EdgeConfigStandIn } from '../support/edge-config-stand-in';

/** Each containment adapter against a local control plane that behaves like the real one, failures included. */
const edge = new EdgeConfigStandIn('vercel-token');
const admin = new AdminApiStandIn('admin-secret');
let db: TestDatabase;

beforeAll(async () => {
  [db] = await Promise.all([createTestDatabase(), edge.start(), admin.start()]);
  edge.create('ecfg_adapters');
});
afterAll(async () => {
  await Promise.all([edge.stop(), admin.stop()]);
  await db.drop();
});

const request = (incidentId: string, tenant = 'acme', actionId = 'a1'): AdapterRequest => ({
  incidentId,
  actionId,
  tenant,
  spec: { kind: 'isolate-tenant', mode: 'maintenance' },
  idempotencyKey: `${incidentId}/${actionId}`,
});

describe('the Vercel Edge Config adapter', () => {
  const adapter = (token = 'vercel-token') => new EdgeConfigAdapter({ adapter: 'edge-config', edgeConfigId: 'ecfg_adapters', token, teamId: 'team_acme', apiUrl: edge.url });

  it('holds an item while any incident holds it, and removes it with the last one', async () => {
    const a = adapter();
    await a.apply(request('inc-1'));
    await a.apply(request('inc-1'));
    await a.apply(request('inc-2'));
    expect(Object.keys((edge.value('ecfg_adapters', 'klaxon_tenant_acme_isolate-tenant') as { holders: object }).holders)).toEqual(['inc-1/a1', 'inc-2/a1']);
    await a.undo(request('inc-1'));
    await a.undo(request('inc-1'));
    expect(await a.read(request('inc-1'))).toMatchObject({ active: false });
    expect(await a.read(request('inc-2'))).toMatchObject({ active: true });
    await a.undo(request('inc-2'));
    expect(edge.value('ecfg_adapters', 'klaxon_tenant_acme_isolate-tenant')).toBeUndefined();
    // Every call names the team, as Vercel's API wants for team-owned Edge Configs.
    expect(edge.requests.every((r) => r.teamId === 'team_acme')).toBe(true);
  });

  it('refuses for good on a bad token, and leaves rate limits and outages to retries', async () => {
    await expect(adapter('wrong').apply(request('inc-3'))).rejects.toThrow(PermanentAdapterError);
    await expect(adapter('wrong').apply(request('inc-3'))).rejects.toThrow(/answered 403/);
    edge.failures.push(429);
    const limited = await adapter().apply(request('inc-3')).catch((e: unknown) => e);
    expect(limited).toBeInstanceOf(Error);
    expect(limited).not.toBeInstanceOf(PermanentAdapterError);
    edge.failures.push(503);
    await expect(adapter().read(request('inc-3'))).rejects.not.toThrow(PermanentAdapterError);
  });

  it('keeps tenants apart: a tenant name cannot reach another tenant\'s item', async () => {
    const a = adapter();
    await a.apply(request('inc-4', 'globex'));
    await expect(a.apply(request('inc-4', 'acme/../globex'))).rejects.toThrow('not a tenant name');
    expect(Object.keys((edge.value('ecfg_adapters', 'klaxon_tenant_globex_isolate-tenant') as { holders: object }).holders)).toEqual(['inc-4/a1']);
    await a.undo(request('inc-4', 'globex'));
  });

  it('keeps acme.eu and acme_eu apart: isolating one leaves the other served at the edge', async () => {
    const a = adapter();
    await a.apply(request('inc-6', 'acme_eu'));
    // The items the README's middleware reads for each tenant.
    expect(edge.value('ecfg_adapters', 'klaxon_tenant_acme_5feu_isolate-tenant')).toBeDefined();
    expect(edge.value('ecfg_adapters', 'klaxon_tenant_acme_2eeu_isolate-tenant')).toBeUndefined();
    expect(await a.read(request('inc-7', 'acme.eu'))).toMatchObject({ active: false, observed: { holders: [] } });
    await a.undo(request('inc-6', 'acme_eu'));
  });

  it('writes what an app reads from the Edge Config endpoint with its read token: every item in one object, or one by key', async () => {
    const a = adapter();
    await a.apply(request('inc-8', 'hooli'));
    const key = 'klaxon_tenant_hooli_isolate-tenant';
    // As @klaxon/next's middleware reads it: the connection string's origin and id, the token as a Bearer header.
    const { origin, pathname, searchParams } = new URL(edge.connectionString('ecfg_adapters'));
    const all = await fetch(`${origin}${pathname}/items`, { headers: { authorization: `Bearer ${searchParams.get('token')}` } });
    expect(all.status).toBe(200);
    expect(all.headers.get('x-edge-config-digest')).toMatch(/^[0-9a-f]{16}$/);
    const items = (await all.json()) as Record<string, { holders: Record<string, { incidentId: string; spec: unknown }> }>;
    expect(items[key].holders['inc-8/a1']).toMatchObject({ incidentId: 'inc-8', spec: { kind: 'isolate-tenant', mode: 'maintenance' } });
    // One item, the token in the query as the connection string carries it; a missing item is 404 with the digest (the store exists).
    const one = await fetch(`${origin}${pathname}/item/${key}?token=${searchParams.get('token')}`);
    expect(await one.json()).toEqual(items[key]);
    const missing = await fetch(`${origin}${pathname}/item/klaxon_tenant_nobody_isolate-tenant?token=${searchParams.get('token')}`);
    expect([missing.status, missing.headers.has('x-edge-config-digest')]).toEqual([404, true]);
    const noStore = await fetch(`${origin}/ecfg_none/items?token=${searchParams.get('token')}`);
    expect([noStore.status, noStore.headers.has('x-edge-config-digest')]).toEqual([404, false]);
    // The management token is not a read token, and no token is none; reads never enter the management API's log.
    expect((await fetch(`${origin}${pathname}/items`, { headers: { authorization: 'Bearer vercel-token' } })).status).toBe(401);
    expect((await fetch(`${origin}${pathname}/items`)).status).toBe(401);
    expect(edge.requests.some((r) => !r.path.startsWith('/v1/'))).toBe(false);
    expect(edge.reads.map((r) => r.path)).toContain(`${pathname}/items`);

    // Unreadable while the switch is on, for reads only: Klaxon's writes go on.
    edge.readFailure = 503;
    expect((await fetch(`${origin}${pathname}/items?token=${searchParams.get('token')}`)).status).toBe(503);
    await a.undo(request('inc-8', 'hooli'));
    edge.readFailure = undefined;
    const after = (await (await fetch(`${origin}${pathname}/items?token=${searchParams.get('token')}`)).json()) as Record<string, unknown>;
    expect(after[key]).toBeUndefined();
  });
});

describe('the customer webhook adapter', () => {
  const adapter = (secret = 'admin-secret') => new WebhookAdapter({ adapter: 'webhook', url: admin.url, secret, timeoutMs: 2000 });

  it('signs each call, sends the idempotency key, and reads the state back', async () => {
    const a = adapter();
    await a.apply(request('inc-5', 'initech'));
    await a.apply(request('inc-5', 'initech'));
    expect(admin.effects.get('inc-5/a1/apply')).toBe(1);
    expect(await a.read(request('inc-5', 'initech'))).toMatchObject({ active: true, observed: { active: true, tenant: 'initech' } });
    await a.undo(request('inc-5', 'initech'));
    expect(await a.read(request('inc-5', 'initech'))).toMatchObject({ active: false });
  });

  it('treats a refused signature as permanent, and an outage as worth a retry', async () => {
    await expect(adapter('not-the-secret').apply(request('inc-6', 'initech'))).rejects.toThrow(PermanentAdapterError);
    admin.failures.push(503);
    const outage = await adapter().apply(request('inc-6', 'initech')).catch((e: unknown) => e);
    expect(outage).not.toBeInstanceOf(PermanentAdapterError);
    expect(String(outage)).toMatch(/answered 503/);
    admin.failures.push('hang');
    await expect(adapter().apply(request('inc-6', 'initech'))).rejects.toThrow(/timeout|aborted/i);
  });
});

describe('the PostgreSQL adapter', () => {
  it('writes one row per action, marks it undone, and shows the app only what is in force for its tenant', async () => {
    const adapter = new PostgresAdapter({ adapter: 'postgres', databaseUrl: db.url, table: 'klaxon_containment' });
    try {
      await adapter.apply(request('inc-7', 'umbrella'));
      await adapter.apply(request('inc-7', 'umbrella'));
      await adapter.apply(request('inc-8', 'wayne'));
      const app = new Pool({ connectionString: db.url, max: 1 });
      const inForce = async (tenant: string) => (await app.query('SELECT kind, spec FROM klaxon_containment WHERE tenant = $1 AND undone_at IS NULL', [tenant])).rows;
      expect(await inForce('umbrella')).toEqual([{ kind: 'isolate-tenant', spec: { kind: 'isolate-tenant', mode: 'maintenance' } }]);
      await adapter.undo(request('inc-7', 'umbrella'));
      await adapter.undo(request('inc-7', 'umbrella'));
      expect(await inForce('umbrella')).toEqual([]);
      expect(await inForce('wayne')).toHaveLength(1);
      expect(await adapter.read(request('inc-7', 'umbrella'))).toMatchObject({ active: false });
      await app.end();
    } finally {
      await adapter.close();
    }
  });
});

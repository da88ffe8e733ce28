import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import { complianceDeps } from '../../client/api/compliance';
import { apiDepsFromConfig, createApiServer } from '../../client/api/server';
import { Incidents } from '../../client/incidents';
import type { CoverageReport } from '../../client/coverage';
import { loadConfig } from '../../config/environment';
import { ApiTokens } from '../../ledger/api-tokens';
import { OnCallOverrides } from '../../ledger/oncall-overrides';
import { registry } from '../../telemetry/metrics';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { closeServer, register, track } from '../support/teardown';

/**
 * `GET /v1/coverage` and `klaxon_coverage_gaps` on a real API server over PostgreSQL (tokens,
 * run-time overrides). Coverage never asks Temporal anything: its client never connects.
 */
const POLICIES = `
policies:
  - name: platform
    responders: [{ name: alice, slackUserId: U0ALICE, timeZone: Europe/Berlin }, { name: bob, slackUserId: U0BOB, timeZone: America/New_York }]
    schedules:
      - { name: primary, layers: [{ name: day, members: [alice], zone: Europe/Berlin, start: '2026-01-05T08:00', turn: { weeks: 1 }, hours: { from: '08:00', to: '20:00' } }] }
    levels: [{ targets: [{ schedule: primary }], timeoutMinutes: 5 }]
    repeat: 0
    autoResolve: false
  - name: acme-only
    responders: [{ name: carol, timeZone: Asia/Kolkata }]
    levels: [{ targets: [carol], timeoutMinutes: 5 }]
    repeat: 0
    autoResolve: false
routes:
  - { policy: acme-only, match: { tenant: [acme] } }
`;

let db: TestDatabase;
let url: string;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  db = await createTestDatabase();
  const config = loadConfig({ TEMPORAL_ADDRESS: '127.0.0.1:1', KLAXON_SOURCES: 'generic', KLAXON_WEBHOOK_SECRET: 'coverage-test-secret', KLAXON_POLICY_FILE: 'policies.yaml' }, () => POLICIES);
  const connection = Connection.lazy({ address: config.temporal.address });
  register(() => connection.close());
  const client = new Client({ connection });
  const server: Server = track(createApiServer({ ...apiDepsFromConfig(config, new Incidents(client, config.temporal.taskQueue), complianceDeps(db.pool, client)), log: () => undefined }), closeServer);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const store = new ApiTokens(db.pool);
  tokens.ops = (await store.create('ops', ['incidents:read'])).token;
  tokens.acme = (await store.create('acme', ['incidents:read'], { tenants: ['acme'] })).token;
  tokens.auditor = (await store.create('auditor', ['audit:read'])).token;
});
afterAll(() => db?.drop());

async function get(path: string, token: string | null = tokens.ops): Promise<{ status: number; body: any }> {
  const res = await fetch(`${url}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: res.status, body: await res.json() };
}

describe('GET /v1/coverage', () => {
  it('lists the gaps of every policy over the days asked, with the live overrides', async () => {
    const { status, body } = (await get('/v1/coverage?days=2')) as { status: number; body: CoverageReport };
    expect(status).toBe(200);
    expect(body.days).toBe(2);
    expect(Date.parse(body.to) - Date.parse(body.from)).toBe(2 * 86_400_000);
    expect(body.policies).toEqual(['platform', 'acme-only']);
    const nights = body.gaps.filter((g) => g.policy === 'platform');
    expect(nights.length).toBeGreaterThanOrEqual(2);
    expect(nights.every((g) => g.kind === 'nobody-on-call' && g.message === 'level 1 of policy "platform" would page nobody: schedule primary has nobody on call')).toBe(true);
    expect(body.gaps.filter((g) => g.policy === 'acme-only').map((g) => g.kind)).toEqual(['nobody-on-call', 'unreachable']);

    // bob takes the first night: one gap fewer.
    const night = nights.find((g) => Date.parse(g.from) > Date.now())!;
    await new OnCallOverrides(db.pool).add({ id: 'ovr-bob', policy: 'platform', schedule: 'primary', responder: 'bob', from: night.from, to: night.to, reason: 'covering', by: 'bob', createdAt: new Date().toISOString() });
    const after = (await get('/v1/coverage?days=2&policy=platform')).body as CoverageReport;
    expect(after.policies).toEqual(['platform']);
    expect(after.gaps.map((g) => g.from)).not.toContain(night.from);
    expect(after.gaps).toHaveLength(nights.length - 1);
  });

  it('shows a token bound to tenants only the policies its tenants are routed to', async () => {
    expect((await get('/v1/coverage', tokens.acme)).body.policies).toEqual(['acme-only']);
    expect(await get('/v1/coverage?policy=platform', tokens.acme)).toEqual({ status: 404, body: { error: 'no policy "platform" that this token may read' } });
  });

  it('refuses what it cannot read, naming it, and callers without the incidents:read scope', async () => {
    expect(await get('/v1/coverage?days=91')).toMatchObject({ status: 400, body: { error: 'query parameter days: must be at most 90' } });
    expect(await get('/v1/coverage?days=two')).toMatchObject({ status: 400, body: { error: 'query parameter days: is not a whole number of days (e.g. 14)' } });
    expect(await get('/v1/coverage?weeks=2')).toMatchObject({ status: 400, body: { error: 'unknown query parameter(s) "weeks"; this route takes days, policy' } });
    expect(await get('/v1/coverage?policy=nope')).toEqual({ status: 404, body: { error: 'no policy "nope"' } });
    expect(await get('/v1/coverage', tokens.auditor)).toEqual({ status: 403, body: { error: 'token "auditor" lacks the incidents:read scope' } });
    expect((await get('/v1/coverage', null)).status).toBe(401);
  });
});

describe('klaxon_coverage_gaps', () => {
  it('counts the gaps of the next 14 days by kind', async () => {
    const text = await registry.getSingleMetricAsString('klaxon_coverage_gaps');
    const sample = (kind: string) => Number(new RegExp(`^klaxon_coverage_gaps\\{kind="${kind}"\\} (\\d+)$`, 'm').exec(text)?.[1]);
    // 14 days: at least 13 nights of the day shift (one filled by bob), and acme-only's carol all along.
    expect(sample('nobody-on-call')).toBeGreaterThanOrEqual(13 + 1);
    expect(sample('unreachable')).toBe(1);
    expect(sample('layer-ending')).toBe(0);
  });
});

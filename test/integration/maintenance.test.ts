import type { Client } from '@temporalio/client';
import { runCli } from '../../client/cli/dispatch';
import { Maintenance } from '../../client/maintenance';
import { ApiTokens } from '../../ledger/api-tokens';
import { registry } from '../../telemetry/metrics';
import { signKlaxon } from '../support/signing';
import { postAlert, startTestStack, WEBHOOK_SECRET, type TestStack } from '../support/stack';
import { waitFor } from '../support/waiting';

/**
 * Maintenance windows through the real API, worker, Temporal and PostgreSQL: an alert a live
 * window covers is answered 202 without an incident and recorded; a SEV1 with personal data
 * pages anyway, recorded as such; ending posts the summary; bad requests are refused with the
 * reason and record nothing; a tenant-bound token reaches only its tenants' windows.
 */
let stack: TestStack;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  stack = await startTestStack();
  const t = new ApiTokens(stack.db.pool);
  tokens.write = (await t.create('alice-write', ['incidents:read', 'incidents:write'], { responder: 'alice' })).token;
  tokens.read = (await t.create('reader', ['incidents:read'])).token;
  tokens.globex = (await t.create('globex-write', ['incidents:read', 'incidents:write'], { responder: 'bob', tenants: ['globex'] })).token;
});
afterAll(() => stack?.stop());

const call = async (method: string, path: string, token?: string, body?: unknown) => {
  const res = await fetch(`${stack.apiUrl}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
};
const alert = (over: Record<string, unknown>) => postAlert(stack.apiUrl, JSON.stringify({ title: 'Replica lag on db-2', severity: 'SEV2', tenant: 'acme', ...over }));
const chain = async (tenant: string): Promise<Array<Record<string, unknown>>> => (await stack.ledger.timeline(`maintenance-${tenant}`)).map((e) => ({ kind: e.kind, actor: e.actor.name, ...e.payload }));
const rows = async () => Number((await stack.db.pool.query('SELECT count(*) AS n FROM maintenance_windows')).rows[0].n);
const heldMetric = async () => (await registry.getSingleMetric('klaxon_alerts_held_total')!.get()).values.find((v) => v.labels.source === 'generic')?.value ?? 0;

describe('maintenance windows over the API', () => {
  it('holds what it covers (202, no incident, recorded), pages a SEV1 with personal data anyway, and ends with its summary', async () => {
    const opened = await call('POST', '/v1/maintenance', tokens.write, { tenant: 'acme', source: 'generic', minutes: 60, reason: 'moving db-2 to the new cluster' });
    expect(opened.status).toBe(201);
    const w = opened.body.window;
    expect(w).toMatchObject({ id: expect.stringMatching(/^mw-/), tenant: 'acme', source: 'generic', by: 'alice', allowSev1PersonalData: false, held: 0 });
    expect((await call('GET', '/v1/maintenance', tokens.read)).body.windows.map((x: { id: string }) => x.id)).toEqual([w.id]);

    const before = await heldMetric();
    const held = await alert({ dedupKey: 'lag-1' });
    expect(held).toEqual({ status: 202, body: { incidentId: null, held: { window: w.id, until: w.until } } });
    expect(await heldMetric()).toBe(before + 1);
    // Another tenant is not covered.
    expect((await alert({ tenant: 'globex', dedupKey: 'lag-g' })).body.incidentId).toEqual(expect.any(String));

    const leak = await alert({ title: 'Customer emails in a public bucket', severity: 'SEV1', dataCategories: ['personal-data'], dedupKey: 'leak-1' });
    expect(leak.status).toBe(202);
    expect(leak.body.incidentId).toEqual(expect.any(String));

    const ended = await call('POST', `/v1/maintenance/${w.id}/end`, tokens.write);
    expect(ended.status).toBe(200);
    expect(ended.body.ended).toMatchObject({ id: w.id, endedBy: 'alice', expired: false, held: 1, bypassed: 1, summary: { channel: 'C0INCIDENTS' } });
    expect((await call('POST', `/v1/maintenance/${w.id}/end`, tokens.write)).status).toBe(409);
    expect((await call('POST', '/v1/maintenance/mw-nope/end', tokens.write)).status).toBe(404);
    const summary = stack.slack.callsOf('chat.postMessage').filter((c) => String(c.args.text).startsWith('Maintenance over'));
    expect(summary.map((c) => [c.args.channel, c.args.text])).toEqual([['C0INCIDENTS', 'Maintenance over (tenant acme, source generic): 1 alert(s) held back']]);

    // After the end, the same scope pages again.
    expect((await alert({ dedupKey: 'lag-2' })).body.incidentId).toEqual(expect.any(String));
    expect(await chain('acme')).toEqual([
      expect.objectContaining({ kind: 'maintenance.started', actor: 'alice', id: w.id, reason: 'moving db-2 to the new cluster', until: w.until }),
      expect.objectContaining({ kind: 'maintenance.alert_held', window: w.id, severity: 'SEV2', title: 'Replica lag on db-2' }),
      expect.objectContaining({ kind: 'maintenance.bypassed', window: w.id, severity: 'SEV1', incidentId: leak.body.incidentId }),
      expect.objectContaining({ kind: 'maintenance.ended', actor: 'alice', id: w.id, held: 1, bypassed: 1, expired: false }),
    ]);
    await waitFor('the SEV1 paged', async () => (await stack.ledger.timeline(leak.body.incidentId as string)).some((e) => e.kind === 'responder.paged'));
  });

  it('refuses bad requests with the reason and records nothing', async () => {
    const ok = { tenant: 'acme', service: 'billing', minutes: 30, reason: 'r' };
    const first = await call('POST', '/v1/maintenance', tokens.write, ok);
    expect(first.status).toBe(201);
    const before = { rows: await rows(), events: (await chain('acme')).length };
    const cases: Array<[unknown, number, RegExp, string?]> = [
      [{ ...ok, minutes: 10 }, 409, new RegExp(`window ${first.body.window.id} .* already covers this scope`)],
      [{ ...ok, service: 'other', minutes: undefined }, 400, /needs an end/],
      [{ ...ok, minutes: 43_201 }, 400, /at most 43200/],
      [{ ...ok, reason: 'a\u0007b' }, 400, /control character U\+0007/],
      [{ ...ok, reason: undefined }, 400, /reason is required/],
      [{ ...ok, minutes: undefined, from: '2026-01-01T00:00Z', until: '2026-01-01T01:00Z' }, 400, /past|already over/],
      [{ ...ok, minutes: undefined, until: '2099-01-01T01:00', tz: 'Mars/Olympus' }, 400, /not an IANA time zone/],
      [{ ...ok, source: 'nagios' }, 400, /not an alert source Klaxon knows/],
      [ok, 403, /lacks the incidents:write scope/, tokens.read],
      [ok, 401, /Authorization: Bearer/, ''],
    ];
    for (const [body, status, message, token] of cases) {
      const r = await call('POST', '/v1/maintenance', token ?? tokens.write, body);
      expect([r.status, r.body.error]).toEqual([status, expect.stringMatching(message)]);
    }
    expect(await rows()).toBe(before.rows);
    expect((await chain('acme')).length).toBe(before.events);
    expect((await call('POST', `/v1/maintenance/${first.body.window.id}/end`, tokens.write)).status).toBe(200);
  });

  it("binds a tenant's token to its tenants' windows", async () => {
    const acme = await call('POST', '/v1/maintenance', tokens.write, { tenant: 'acme', source: 'sentry', minutes: 30, reason: 'r' });
    expect((await call('POST', '/v1/maintenance', tokens.globex, { tenant: 'acme', minutes: 30, reason: 'r' })).body.error).toMatch(/not one of this token's tenants/);
    expect((await call('GET', '/v1/maintenance', tokens.globex)).body.windows).toEqual([]);
    expect((await call('POST', `/v1/maintenance/${acme.body.window.id}/end`, tokens.globex)).status).toBe(404);
    const own = await call('POST', '/v1/maintenance', tokens.globex, { tenant: 'globex', openEnded: 'vendor gives no end', reason: 'r' });
    expect([own.status, own.body.window.until]).toEqual([201, null]);
    expect((await call('GET', '/v1/maintenance', tokens.globex)).body.windows.map((x: { id: string }) => x.id)).toEqual([own.body.window.id]);
    expect((await call('POST', `/v1/maintenance/${own.body.window.id}/end`, tokens.globex)).body.ended).toMatchObject({ endedBy: 'bob', expired: false });
  });

  it('is driven by klaxon maintenance start|list|end under a personal token', async () => {
    const env = { KLAXON_API_URL: stack.apiUrl, KLAXON_TOKEN: tokens.write, TEMPORAL_ADDRESS: '127.0.0.1:9', XDG_CONFIG_HOME: '/nonexistent', KLAXON_DATA_DIR: '/nonexistent', TZ: 'UTC' };
    const started = await runCli(['maintenance', 'start', '--tenant', 'initech', '--service', 'billing', '--minutes', '45', '--reason', 'index rebuild', '--tz', 'Europe/Berlin'], env);
    expect(started).toMatch(/^started: mw-\w+ {2}tenant initech, service billing: from .* \(Europe\/Berlin\) until .* by alice: "index rebuild"; 0 held, 0 paged anyway$/);
    const id = /mw-\w+/.exec(started)![0];
    expect(await runCli(['maintenance', 'list'], env)).toContain(id);
    await expect(runCli(['maintenance', 'start', '--tenant', 'initech', '--minutes', '0', '--reason', 'x'], env)).rejects.toThrow(/minutes must be at least 1/);
    expect(await runCli(['maintenance', 'end', id], env)).toMatch(new RegExp(`^ended: ${id} at .* by alice: 0 alert\\(s\\) held back, 0 paged anyway; summary posted to C0INCIDENTS$`));
    expect(await runCli(['maintenance', 'list'], env)).not.toContain(id);
  });

  it('a window whose workflow does not start holds nothing, and its record says it ended at once and why', async () => {
    const away = { workflow: { start: () => Promise.reject(new Error('Temporal is away')) } } as unknown as Client;
    const m = new Maintenance(stack.ledger, away, 'q');
    const who = { actor: { type: 'responder' as const, name: 'alice', via: 'api' } };
    await expect(m.start({ tenant: 'umbrella', minutes: 30, reason: 'r' }, who, new Date())).rejects.toThrow('Temporal is away');
    const { windows: [w] } = await m.windows.list({ tenants: ['umbrella'], recent: true }, new Date());
    expect(w).toMatchObject({ tenant: 'umbrella', endedBy: 'klaxon' });
    expect((await alert({ tenant: 'umbrella', dedupKey: 'u-1' })).body.incidentId).toEqual(expect.any(String));
    expect((await chain('umbrella')).map((e) => [e.kind, e.summary])).toEqual([
      ['maintenance.started', undefined],
      ['maintenance.ended', { none: 'its workflow did not start: Temporal is away' }],
    ]);
  });
  it('answers a replayed delivery of a held alert as held (no incident id that does not exist), recorded and counted once', async () => {
    const opened = await call('POST', '/v1/maintenance', tokens.write, { tenant: 'hooli', minutes: 30, reason: 'r' });
    const body = JSON.stringify({ title: 'Replica lag on db-9', severity: 'SEV2', tenant: 'hooli', dedupKey: 'lag-9' });
    const signed = { 'klaxon-signature': signKlaxon(WEBHOOK_SECRET, body) };
    const held = { window: opened.body.window.id, until: opened.body.window.until };
    expect((await postAlert(stack.apiUrl, body, signed)).body).toEqual({ incidentId: null, held });
    expect((await postAlert(stack.apiUrl, body, signed)).body).toEqual({ incidentId: null, held, replayed: true });
    expect((await call('GET', '/v1/maintenance', tokens.read)).body.windows.find((x: { id: string }) => x.id === held.window)).toMatchObject({ held: 1 });
    expect((await call('POST', `/v1/maintenance/${held.window}/end`, tokens.write)).body.ended).toMatchObject({ held: 1 });
  });
});

import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import { DateTime } from 'luxon';
import ical, { type VEvent } from 'node-ical';
import { complianceDeps } from '../../client/api/compliance';
import { apiDepsFromConfig, createApiServer } from '../../client/api/server';
import { Incidents } from '../../client/incidents';
import { OnCall, type OnCallCaller } from '../../client/oncall';
import { OVERRIDE_LIMITS } from '../../core/oncall/override-input';
import { runCli } from '../../client/cli/dispatch';
import { loadConfig } from '../../config/environment';
import { ApiTokens } from '../../ledger/api-tokens';
import { LedgerStore } from '../../ledger/store';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { closeServer, track } from '../support/teardown';

/**
 * The on-call routes through the real API over PostgreSQL, with the example policy file (two
 * policies share the schedule `follow-the-sun`; acme's SEV1s route to `acme-critical`).
 * Temporal is never asked: the client is lazy, and no on-call route uses it.
 */
let db: TestDatabase;
let url: string;
const tokens: Record<string, string> = {};
const HOUR = 3_600_000;

beforeAll(async () => {
  db = await createTestDatabase();
  const config = loadConfig({ TEMPORAL_ADDRESS: '127.0.0.1:1', KLAXON_SOURCES: 'generic', KLAXON_WEBHOOK_SECRET: 'x', KLAXON_POLICY_FILE: 'examples/policy.yaml' }, (path) => readFileSync(path, 'utf8'));
  const connection = track(Connection.lazy({ address: config.temporal.address }), (c) => c.close());
  const client = new Client({ connection });
  const server = track(createApiServer({ ...apiDepsFromConfig(config, new Incidents(client, config.temporal.taskQueue), complianceDeps(db.pool, client)), log: () => undefined }), closeServer);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const t = new ApiTokens(db.pool);
  tokens.write = (await t.create('alice-write', ['incidents:read', 'incidents:write'], { responder: 'alice' })).token;
  tokens.read = (await t.create('reader', ['incidents:read'])).token;
  tokens.globex = (await t.create('globex-write', ['incidents:read', 'incidents:write'], { responder: 'bob', tenants: ['globex'] })).token;
});

const call = async (method: string, path: string, token?: string, body?: unknown) => {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, type: res.headers.get('content-type'), text, body: res.headers.get('content-type')?.startsWith('application/json') ? JSON.parse(text) : undefined };
};
const iso = (t: number) => new Date(t).toISOString();
const rows = async () => Number((await db.pool.query('SELECT count(*) AS n FROM oncall_overrides')).rows[0].n);
const chain = (policy: string) => new LedgerStore(db.pool).timeline(`oncall-${policy}`);

describe('overrides over the API', () => {
  it('takes one (recorded in oncall-<policy> with who and why), shows it in who is on call, and cancels it once', async () => {
    const from = Date.now() + HOUR;
    const taken = await call('POST', '/v1/oncall/overrides', tokens.write, { policy: 'platform-on-call', schedule: 'follow-the-sun', responder: 'lena', from: iso(from), until: iso(from + 2 * HOUR), reason: 'covering for dana' });
    expect(taken.status).toBe(201);
    const [o] = taken.body.overrides;
    expect(o).toMatchObject({ id: expect.stringMatching(/^ovr-/), policy: 'platform-on-call', responder: 'lena', by: 'alice' });
    expect((await call('GET', '/v1/oncall/overrides?policy=platform-on-call', tokens.read)).body.overrides.map((x: { id: string }) => x.id)).toEqual([o.id]);

    const who = await call('GET', `/v1/oncall?policy=platform-on-call&schedule=follow-the-sun&at=${encodeURIComponent(iso(from + HOUR / 2))}&tz=Asia/Tokyo`, tokens.read);
    expect(who.status).toBe(200);
    expect(who.body.schedules[0]).toMatchObject({ policy: 'platform-on-call', schedule: 'follow-the-sun', zone: 'Asia/Tokyo', now: { responder: 'lena', via: `override ${o.id}`, fromLocal: expect.stringContaining('(Asia/Tokyo)') } });
    // The other policy's schedule of the same name is not changed by it.
    const other = await call('GET', `/v1/oncall?policy=acme-critical&schedule=follow-the-sun&at=${encodeURIComponent(iso(from + HOUR / 2))}`, tokens.read);
    expect(other.body.schedules[0].now.responder).not.toBe('lena');

    expect((await call('POST', `/v1/oncall/overrides/${o.id}/cancel`, tokens.write)).status).toBe(200);
    const again = await call('POST', `/v1/oncall/overrides/${o.id}/cancel`, tokens.write);
    expect([again.status, again.body.error]).toEqual([409, expect.stringMatching(new RegExp(`^override "${o.id}" was cancelled already`))]);
    expect((await call('GET', '/v1/oncall/overrides', tokens.read)).body.overrides).toEqual([]);
    const record = await chain('platform-on-call');
    expect(record.map((e) => [e.kind, e.actor.name])).toEqual([
      ['oncall.override.taken', 'alice'],
      ['oncall.override.cancelled', 'alice'],
    ]);
    expect(record[0].payload).toMatchObject({ id: o.id, schedule: 'follow-the-sun', responder: 'lena', reason: 'covering for dana', from: o.from, to: o.to });
  });

  it('refuses bad requests with the reason, and records nothing', async () => {
    const before = { rows: await rows(), events: (await chain('platform-on-call')).length };
    const from = iso(Date.now() + HOUR);
    const until = iso(Date.now() + 3 * HOUR);
    const ok = { policy: 'platform-on-call', schedule: 'follow-the-sun', responder: 'lena', from, until, reason: 'r' };
    const cases: Array<[unknown, number, RegExp, string?]> = [
      [{ ...ok, responder: 'mallory' }, 400, /responder "mallory" is not a responder of policy "platform-on-call"/],
      [{ ...ok, schedule: 'weekends' }, 404, /schedule "weekends" is not a schedule of policy "platform-on-call"/],
      [{ ...ok, policy: undefined }, 400, /in policies "platform-on-call", "acme-critical": name one/],
      [{ ...ok, until: from }, 400, /until must be after from/],
      [{ ...ok, from: '2026-01-01T00:00Z', until: '2026-01-02T00:00Z' }, 400, /already over/],
      [{ ...ok, from: '2027-01-01T00:00', until: '2027-01-02T00:00', tz: 'CET+1' }, 400, /not an IANA time zone/],
      [{ ...ok, reason: 'a\u0007b' }, 400, /control character U\+0007/],
      [{ ...ok, kind: 'swap', with: 'lena', responder: 'alice' }, 400, /lena is never on call/],
      [null, 400, /^the body must be a JSON object, not null$/],
      [[ok], 400, /^the body must be a JSON object, not an array$/],
      ['override', 400, /^the body must be a JSON object, not a string$/],
      [{ ...ok, from: Date.now() + HOUR }, 400, /^from must be a string, not a number$/],
      [ok, 403, /lacks the incidents:write scope/, tokens.read],
      [ok, 401, /Authorization: Bearer/, ''],
    ];
    for (const [body, status, message, token] of cases) {
      const r = await call('POST', '/v1/oncall/overrides', token ?? tokens.write, body);
      expect([r.status, r.body?.error]).toEqual([status, expect.stringMatching(message)]);
    }
    expect(await rows()).toBe(before.rows);
    expect((await chain('platform-on-call')).length).toBe(before.events);
  });

  it("binds a tenant's token to the policies its tenant is routed to", async () => {
    const from = iso(Date.now() + HOUR);
    const until = iso(Date.now() + 2 * HOUR);
    // globex is routed to platform-on-call only (the book's first policy); acme-critical is acme's.
    const refused = await call('POST', '/v1/oncall/overrides', tokens.globex, { policy: 'acme-critical', schedule: 'follow-the-sun', responder: 'lena', from, until, reason: 'r' });
    expect([refused.status, refused.body.error]).toEqual([404, 'policy "acme-critical" is not in force']);
    const taken = await call('POST', '/v1/oncall/overrides', tokens.write, { policy: 'acme-critical', schedule: 'follow-the-sun', responder: 'lena', from, until, reason: 'r' });
    expect(taken.status).toBe(201);
    const id = taken.body.overrides[0].id;
    expect((await call('POST', `/v1/oncall/overrides/${id}/cancel`, tokens.globex)).status).toBe(404);
    expect((await call('GET', '/v1/oncall/overrides', tokens.globex)).body.overrides).toEqual([]);
    expect((await call('GET', '/v1/oncall', tokens.globex)).body.schedules.map((s: { policy: string }) => s.policy)).toEqual(['platform-on-call']);
    // Without policy, the one schedule of that name the token sees is meant.
    const own = await call('POST', '/v1/oncall/overrides', tokens.globex, { schedule: 'follow-the-sun', responder: 'lena', from, until, reason: 'r' });
    expect([own.status, own.body.overrides?.[0].policy]).toEqual([201, 'platform-on-call']);
  });
});

describe('calendar feeds', () => {
  const events = (text: string) => Object.values(ical.sync.parseICS(text)).filter((c): c is VEvent => c?.type === 'VEVENT');

  it("mints a feed-only link that opens one person's feed and nothing else", async () => {
    const minted = await call('POST', '/v1/oncall/feeds', tokens.read, { schedule: 'follow-the-sun', policy: 'platform-on-call', responder: 'alice' });
    expect(minted.status).toBe(201);
    const path: string = minted.body.path;
    expect(path).toMatch(/^\/v1\/schedules\/follow-the-sun\.ics\?policy=platform-on-call&responder=alice&feed=kxf_/);
    const feed = await call('GET', path);
    expect([feed.status, feed.type]).toEqual([200, 'text/calendar; charset=utf-8']);
    const parsed = events(feed.text);
    expect(parsed.length).toBeGreaterThan(0);
    expect(parsed.every((e) => e.summary === 'On call: alice (follow-the-sun)')).toBe(true);

    const secret = new URL(path, url).searchParams.get('feed')!;
    // Another person, another schedule, or the API itself: refused.
    expect((await call('GET', `/v1/schedules/follow-the-sun.ics?policy=platform-on-call&responder=bob&feed=${secret}`)).status).toBe(401);
    expect((await call('GET', `/v1/schedules/other.ics?feed=${secret}`)).status).toBe(401);
    expect((await call('GET', '/v1/oncall', secret)).status).toBe(401);
    expect((await call('GET', `/v1/schedules/follow-the-sun.ics?policy=platform-on-call&feed=kxf_wrong`)).status).toBe(401);
    // Revoked, it opens nothing.
    expect((await call('POST', `/v1/oncall/feeds/${minted.body.feed.id}/revoke`, tokens.write)).status).toBe(200);
    expect((await call('GET', path)).status).toBe(401);
  });

  it('refuses a mint body that is not an object with a 400 naming it', async () => {
    for (const [body, kind] of [[null, 'null'], [['follow-the-sun'], 'an array'], [5, 'a number']] as const) {
      const r = await call('POST', '/v1/oncall/feeds', tokens.read, body);
      expect([r.status, r.body?.error]).toEqual([400, `the body must be a JSON object, not ${kind}`]);
    }
  });

  it('answers a reader token too, and needs the policy when two policies have the schedule', async () => {
    expect((await call('GET', '/v1/schedules/follow-the-sun.ics', tokens.read)).status).toBe(400);
    const feed = await call('GET', '/v1/schedules/follow-the-sun.ics?policy=acme-critical&weeks=1', tokens.read);
    expect(feed.status).toBe(200);
    expect(events(feed.text).length).toBeGreaterThan(0);
    expect((await call('GET', '/v1/schedules/follow-the-sun.ics?policy=acme-critical&weeks=99', tokens.read)).status).toBe(400);
    for (const weeks of ['1e1', ' 2', '0x3', '2.0', '+2', '', '012']) {
      const r = await call('GET', `/v1/schedules/follow-the-sun.ics?policy=acme-critical&weeks=${encodeURIComponent(weeks)}`, tokens.read);
      expect([weeks, r.status, r.body?.error]).toEqual([weeks, 400, 'weeks must be a whole number from 1 to 12']);
    }
    expect((await call('GET', '/v1/schedules/follow-the-sun.ics?policy=acme-critical&weeks=12', tokens.read)).status).toBe(200);
    expect((await call('GET', '/v1/schedules/follow-the-sun.ics?policy=acme-critical')).status).toBe(401);
  });
});

describe('the CLI on the ledger database (the embedded stack\'s way)', () => {
  const env = () => ({ DATABASE_URL: db.url, KLAXON_POLICY_FILE: 'examples/policy.yaml', XDG_CONFIG_HOME: '/nonexistent', KLAXON_DATA_DIR: '/nonexistent', TZ: 'UTC' });

  it('takes a swap as --as, shows it in klaxon oncall and klaxon simulate (and not with --pinned), and cancels it', async () => {
    // Next Monday 14:00 UTC: inside emea's and americas' hours, so a layer has someone on call (whoever it is, the swap takes their turn).
    const monday = DateTime.utc().plus({ weeks: 1 }).startOf('week').set({ hour: 14 });
    const before = await runCli(['oncall', '--schedule', 'follow-the-sun', '--policy', 'platform-on-call', '--at', monday.toISO()!, '--json'], env());
    const onCall: string = JSON.parse(before).schedules[0].now.responder;
    const other = onCall === 'alice' ? 'dana' : 'alice';
    const from = monday.minus({ hours: 1 }).toISO()!;
    const until = monday.plus({ hours: 2 }).toISO()!;
    const taken = await runCli(['oncall', 'swap', '--schedule', 'follow-the-sun', '--policy', 'platform-on-call', '--user', other, '--with', onCall, '--from', from, '--until', until, '--reason', 'swap for a week', '--as', other, '--tz', 'Europe/Berlin'], env());
    expect(taken).toMatch(new RegExp(`^taken: ovr-\\w+ {2}platform-on-call/follow-the-sun: ${other} takes ${onCall}'s turns from .* \\+0[12]:00 \\(Europe/Berlin\\)`));
    const id = /ovr-\w+/.exec(taken)![0];

    const shown = await runCli(['oncall', '--schedule', 'follow-the-sun', '--policy', 'platform-on-call', '--at', monday.toISO()!, '--tz', 'Europe/Berlin'], env());
    expect(shown).toContain(`now:  ${monday.setZone('Europe/Berlin').toFormat('yyyy-MM-dd HH:mm:ss ZZ')} (Europe/Berlin)`);
    expect(shown).toContain(`${other} (override ${id})`);

    const alert = JSON.stringify({ title: 'leak', severity: 'SEV2', tenant: 'globex', dataCategories: ['personal-data'] });
    const sim = await runCli(['simulate', '--policy', 'examples/policy.yaml', '--alert', alert, '--at', monday.toISO()!], env());
    expect(sim).toContain('run-time override(s) of policy "platform-on-call" from the ledger database');
    expect(sim).toContain(`paged ${other} (level 1`);
    const pinned = await runCli(['simulate', '--policy', 'examples/policy.yaml', '--alert', alert, '--at', monday.toISO()!, '--pinned'], env());
    expect(pinned).toContain(`paged ${onCall} (level 1`);

    expect(await runCli(['oncall', 'cancel', id, '--as', other], env())).toMatch(/^cancelled: ovr-/);
    expect(await runCli(['oncall', 'overrides', '--policy', 'platform-on-call'], env())).not.toContain(id);
  });
});

describe('an override and its ledger record, in one transaction', () => {
  const book = () => loadConfig({ TEMPORAL_ADDRESS: '127.0.0.1:1', KLAXON_SOURCES: 'generic', KLAXON_WEBHOOK_SECRET: 'x', KLAXON_POLICY_FILE: 'examples/policy.yaml' }, (path) => readFileSync(path, 'utf8')).policies;
  const alice: OnCallCaller = { actor: { type: 'responder', name: 'alice', via: 'api' } };
  const body = (hours: number) => ({ policy: 'platform-on-call', schedule: 'follow-the-sun', responder: 'lena', from: iso(Date.now() + hours * HOUR), until: iso(Date.now() + (hours + 1) * HOUR), reason: 'r' });
  /** A ledger that refuses every record: the change it would record must not happen either. */
  const refusing = () => {
    const ledger = new LedgerStore(db.pool);
    jest.spyOn(ledger, 'appendIn').mockRejectedValue(new Error('the ledger refused'));
    return ledger;
  };

  it('stores no override the ledger did not record', async () => {
    const before = await rows();
    await expect(new OnCall(db.pool, refusing()).take(body(40), book(), alice, new Date())).rejects.toThrow('the ledger refused');
    expect(await rows()).toBe(before);
  });

  it('cancels none the ledger did not record as cancelled', async () => {
    const [o] = await new OnCall(db.pool, new LedgerStore(db.pool)).take(body(41), book(), alice, new Date());
    await expect(new OnCall(db.pool, refusing()).cancel(o.id, book(), alice, new Date())).rejects.toThrow('the ledger refused');
    expect((await db.pool.query('SELECT cancelled_at FROM oncall_overrides WHERE id = $1', [o.id])).rows[0].cancelled_at).toBeNull();
    expect((await new OnCall(db.pool, new LedgerStore(db.pool)).cancel(o.id, book(), alice, new Date()))?.id).toBe(o.id);
  });
});

describe('cancelling', () => {
  /** A row straight in the table, as an earlier release or a since-removed policy left it. */
  const insert = async (id: string, policy: string, from: number, to: number) =>
    db.pool.query(`INSERT INTO oncall_overrides (id, policy, schedule, responder, from_at, to_at, reason, created_by) VALUES ($1, $2, 'follow-the-sun', 'lena', $3, $4, 'r', 'alice')`, [id, policy, new Date(from), new Date(to)]);

  it('is one conditional change: 404 for an unknown id, 409 for an ended one, and one of two racing cancels wins', async () => {
    const unknown = await call('POST', '/v1/oncall/overrides/ovr-nosuch/cancel', tokens.write);
    expect([unknown.status, unknown.body.error]).toEqual([404, 'no override "ovr-nosuch"']);
    await insert('ovr-ended', 'platform-on-call', Date.now() - 3 * HOUR, Date.now() - HOUR);
    const ended = await call('POST', '/v1/oncall/overrides/ovr-ended/cancel', tokens.write);
    expect([ended.status, ended.body.error]).toEqual([409, expect.stringMatching(/^override "ovr-ended" has ended already/)]);
    expect((await db.pool.query(`SELECT cancelled_at FROM oncall_overrides WHERE id = 'ovr-ended'`)).rows[0].cancelled_at).toBeNull();

    const taken = await call('POST', '/v1/oncall/overrides', tokens.write, { policy: 'platform-on-call', schedule: 'follow-the-sun', responder: 'lena', from: iso(Date.now() + 50 * HOUR), until: iso(Date.now() + 51 * HOUR), reason: 'r' });
    const id = taken.body.overrides[0].id;
    const both = await Promise.all([1, 2].map(() => call('POST', `/v1/oncall/overrides/${id}/cancel`, tokens.write)));
    expect(both.map((r) => r.status).sort()).toEqual([200, 409]);
    expect((await chain('platform-on-call')).filter((e) => e.kind === 'oncall.override.cancelled' && e.payload.id === id)).toHaveLength(1);
  });

  it('keeps the overrides of a policy no longer in the policy book listable and cancellable by a token bound to no tenant', async () => {
    await insert('ovr-retired', 'retired-policy', Date.now() + HOUR, Date.now() + 2 * HOUR);
    const listed = await call('GET', '/v1/oncall/overrides', tokens.read);
    expect(listed.body.overrides.map((o: { id: string }) => o.id)).toContain('ovr-retired');
    expect((await call('GET', '/v1/oncall/overrides?policy=retired-policy', tokens.read)).body.overrides.map((o: { id: string }) => o.id)).toEqual(['ovr-retired']);
    // A tenant's token sees only its tenants' policies in force.
    expect((await call('GET', '/v1/oncall/overrides', tokens.globex)).body.overrides.map((o: { id: string }) => o.id)).not.toContain('ovr-retired');
    expect((await call('POST', '/v1/oncall/overrides/ovr-retired/cancel', tokens.globex)).status).toBe(404);
    expect((await call('GET', '/v1/oncall/overrides?policy=no-such-policy', tokens.read)).status).toBe(404);

    expect((await call('POST', '/v1/oncall/overrides/ovr-retired/cancel', tokens.write)).status).toBe(200);
    expect((await chain('retired-policy')).map((e) => [e.kind, e.payload.id])).toEqual([['oncall.override.cancelled', 'ovr-retired']]);
  });
});

describe('bounds on what a policy holds', () => {
  const base = Math.ceil(Date.now() / HOUR) * HOUR;
  const body = (hours: number, responder = 'lena') => ({ policy: 'acme-critical', schedule: 'follow-the-sun', responder, from: iso(base + hours * HOUR), until: iso(base + (hours + 1) * HOUR), reason: 'r' });
  afterEach(async () => {
    await db.pool.query(`UPDATE oncall_overrides SET cancelled_at = now() WHERE policy = 'acme-critical' AND cancelled_at IS NULL`);
  });

  it('refuses an identical live override taken twice (409), and takes it again once the first is cancelled', async () => {
    const first = await call('POST', '/v1/oncall/overrides', tokens.write, body(60));
    expect(first.status).toBe(201);
    const id = first.body.overrides[0].id;
    const twice = await call('POST', '/v1/oncall/overrides', tokens.write, body(60));
    expect([twice.status, twice.body.error]).toEqual([409, expect.stringMatching(new RegExp(`^the same override is live already: ${id}`))]);
    // Another person on the same slot is another override.
    expect((await call('POST', '/v1/oncall/overrides', tokens.write, body(60, 'alice'))).status).toBe(201);
    expect((await call('POST', `/v1/oncall/overrides/${id}/cancel`, tokens.write)).status).toBe(200);
    expect((await call('POST', '/v1/oncall/overrides', tokens.write, body(60))).status).toBe(201);
  });

  it(`refuses a live override past ${OVERRIDE_LIMITS.livePerPolicy} of a policy (409), records nothing, and takes one again once one is cancelled`, async () => {
    const live = Number((await db.pool.query(`SELECT count(*) AS n FROM oncall_overrides WHERE policy = 'acme-critical' AND cancelled_at IS NULL AND to_at > now()`)).rows[0].n);
    for (let i = live; i < OVERRIDE_LIMITS.livePerPolicy; i++) {
      await db.pool.query(`INSERT INTO oncall_overrides (id, policy, schedule, responder, from_at, to_at, reason, created_by) VALUES ($1, 'acme-critical', 'follow-the-sun', 'lena', $2, $3, 'r', 'alice')`, [
        `ovr-bulk-${i}`, new Date(Date.now() + (100 + i) * HOUR), new Date(Date.now() + (101 + i) * HOUR),
      ]);
    }
    const events = (await chain('acme-critical')).length;
    const refused = await call('POST', '/v1/oncall/overrides', tokens.write, body(70));
    expect([refused.status, refused.body.error]).toEqual([409, expect.stringMatching(/^policy "acme-critical" holds 200 live overrides, at most 200/)]);
    expect((await chain('acme-critical')).length).toBe(events);
    // Ended and cancelled ones do not count.
    await db.pool.query(`UPDATE oncall_overrides SET cancelled_at = now() WHERE id = 'ovr-bulk-199'`);
    expect((await call('POST', '/v1/oncall/overrides', tokens.write, body(70))).status).toBe(201);
  });
});

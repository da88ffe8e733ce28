import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../config/environment';
import { alertmanagerSource } from '../../core/sources/alertmanager';
import { datadogSource } from '../../core/sources/datadog';
import { parseDatadogTitle } from '../../core/sources/datadog-title';
import { grafanaSource } from '../../core/sources/grafana';
import { enabledSources } from '../../core/sources/registry';
import { sentrySource } from '../../core/sources/sentry';
import { vercelSource } from '../../core/sources/vercel';
import { InProcessSpikeWindows, spikeAlertsOf } from '../../client/spike-windows';
import { parse } from 'yaml';
import { parseRules } from '../../core/alerts/classification';
import { deliveryIdOf } from '../../core/sources/delivery-id';
import type { SourceRequest, SourceSettings } from '../../core/sources/source';
import { cpuMs } from '../support/cpu-time';
import { rejection } from '../support/source-rejection';

const fixture = (name: string) => readFileSync(join(__dirname, '../fixtures', name));
const settings: SourceSettings = {
  secrets: { KLAXON_ALERTMANAGER_BASIC_AUTH: 'alertmanager:s3cret', SENTRY_CLIENT_SECRET: 'sentry-secret', KLAXON_GRAFANA_TOKEN: 'glsa_token', KLAXON_DATADOG_TOKEN: 'dd-token' },
  defaultTenant: 'unassigned',
};
const request = (rawBody: Buffer, headers: Record<string, string>): SourceRequest => ({
  header: (n) => headers[n.toLowerCase()],
  rawBody,
  receivedAt: new Date('2026-11-24T10:00:00Z'),
});
const basic = (userPass: string) => ({ authorization: `Basic ${Buffer.from(userPass).toString('base64')}` });
const sentryHeaders = (body: Buffer, resource: string, secret = 'sentry-secret') => ({
  'sentry-hook-resource': resource,
  'sentry-hook-signature': createHmac('sha256', secret).update(body).digest('hex'),
  'request-id': 'c2f7e5a4-1b2c-4d5e-8f9a-0b1c2d3e4f5a',
});

describe('Alertmanager source', () => {
  const GROUP = 'alertmanager:group:' + deliveryIdOf('{}/{severity="critical"}:{alertname="TenantDataServedCrossTenant"}');

  it('gives every alert of a group the group\'s key, each a member by fingerprint and start, with tenant, severity and categories from labels', () => {
    const { alerts, resolutions } = alertmanagerSource.receive(request(fixture('alertmanager-firing.json'), basic('alertmanager:s3cret')), settings);
    expect(resolutions).toEqual([]);
    // One group, two tenants: the incident id adds the tenant, so each tenant gets its own incident of the group.
    expect(alerts.map((a) => [a.tenant, a.dedupKey, a.severity, a.member?.fingerprint])).toEqual([
      ['acme', GROUP, 'SEV1', 'c4f1e2a3b4c5d6e7'],
      ['globex', GROUP, 'SEV1', '0a1b2c3d4e5f6071'],
    ]);
    expect(alerts[0].member).toEqual({ groupKey: '{}/{severity="critical"}:{alertname="TenantDataServedCrossTenant"}', fingerprint: 'c4f1e2a3b4c5d6e7', startsAt: '2026-11-24T09:58:30.123Z' });
    expect(alerts[0]).toMatchObject({ title: 'Responses for tenant acme carry records of other tenants', dataCategories: ['personal-data', 'credentials'] });
    expect(alerts[0].details).toMatchObject({ labels: { service: 'customers-api' }, receiver: 'klaxon' });
  });

  it('makes resolved alerts resolutions of their member of the group', () => {
    const { alerts, resolutions } = alertmanagerSource.receive(request(fixture('alertmanager-resolved.json'), basic('alertmanager:s3cret')), settings);
    expect(alerts).toEqual([]);
    expect(resolutions).toEqual([
      expect.objectContaining({ tenant: 'acme', dedupKey: GROUP, resolvedAt: '2026-11-24T10:20:00.000Z', member: { fingerprint: 'c4f1e2a3b4c5d6e7', startsAt: '2026-11-24T09:58:30.123Z' } }),
    ]);
  });

  it('keys each alert by its fingerprint when the rules file says grouping: { alertmanager: per-alert }', () => {
    const perAlert = { ...settings, grouping: parseRules(parse('grouping: { alertmanager: per-alert }'), 'rules.yaml').grouping };
    const { alerts } = alertmanagerSource.receive(request(fixture('alertmanager-firing.json'), basic('alertmanager:s3cret')), perAlert);
    expect(alerts.map((a) => [a.dedupKey, a.member])).toEqual([
      ['alertmanager:c4f1e2a3b4c5d6e7', undefined],
      ['alertmanager:0a1b2c3d4e5f6071', undefined],
    ]);
    const { resolutions } = alertmanagerSource.receive(request(fixture('alertmanager-resolved.json'), basic('alertmanager:s3cret')), perAlert);
    expect(resolutions).toEqual([expect.not.objectContaining({ member: expect.anything() })]);
    expect(resolutions[0].dedupKey).toBe('alertmanager:c4f1e2a3b4c5d6e7');
  });

  it('assigns alerts without a usable tenant label to the default tenant and flags them', () => {
    const payload = JSON.parse(fixture('alertmanager-firing.json').toString());
    delete payload.alerts[0].labels.tenant;
    payload.alerts[1].labels.tenant = 'globex corp/../x';
    const { alerts } = alertmanagerSource.receive(request(Buffer.from(JSON.stringify(payload)), basic('alertmanager:s3cret')), settings);
    expect(alerts.map((a) => a.tenant)).toEqual(['unassigned', 'unassigned']);
    expect(alerts[1].details.triage).toMatch(/no usable tenant label \(globex corp\/\.\.\/x\)/);
  });

  it('refuses wrong or missing credentials, and a payload that is not version 4', () => {
    const body = fixture('alertmanager-firing.json');
    expect(rejection(() => alertmanagerSource.receive(request(body, {}), settings))).toMatchObject({ status: 401, message: expect.stringMatching(/missing Authorization/) });
    expect(rejection(() => alertmanagerSource.receive(request(body, basic('alertmanager:guess')), settings)).status).toBe(401);
    expect(rejection(() => alertmanagerSource.receive(request(body, { authorization: 'Bearer s3cret' }), settings)).status).toBe(401);
    const v3 = Buffer.from(JSON.stringify({ ...JSON.parse(body.toString()), version: '3' }));
    expect(rejection(() => alertmanagerSource.receive(request(v3, basic('alertmanager:s3cret')), settings))).toMatchObject({ status: 422, problems: [expect.stringMatching(/^version: /)] });
  });
});

describe('Grafana source', () => {
  const GROUP = 'grafana:group:' + deliveryIdOf('{}/{}:{alertname="AdminRoute403Spike", grafana_folder="Security"}');

  it('reads a contact-point webhook with its bearer credentials', () => {
    const body = fixture('grafana-firing.json');
    const { alerts } = grafanaSource.receive(request(body, { authorization: 'Bearer glsa_token' }), settings);
    expect(alerts).toEqual([
      expect.objectContaining({ source: 'grafana', tenant: 'initech', severity: 'SEV3', dedupKey: GROUP, title: '403 responses on /admin routes of initech tripled' }),
    ]);
    expect(rejection(() => grafanaSource.receive(request(body, { authorization: 'Bearer other' }), settings)).status).toBe(401);
  });

  it('groups by the groupKey Grafana sends, and keys by fingerprint without one or with grouping: { grafana: per-alert }', () => {
    const body = fixture('grafana-firing.json');
    expect(grafanaSource.receive(request(body, { authorization: 'Bearer glsa_token' }), settings).alerts.map((a) => [a.dedupKey, a.member?.fingerprint])).toEqual([[GROUP, '57c6d9296de2ad39']]);
    const perAlert = { ...settings, grouping: { grafana: 'per-alert' as const } };
    expect(grafanaSource.receive(request(body, { authorization: 'Bearer glsa_token' }), perAlert).alerts[0]).toMatchObject({ dedupKey: 'grafana:57c6d9296de2ad39' });
    const { groupKey: _, ...keyless } = JSON.parse(body.toString());
    expect(grafanaSource.receive(request(Buffer.from(JSON.stringify(keyless)), { authorization: 'Bearer glsa_token' }), settings).alerts[0]).toMatchObject({ dedupKey: 'grafana:57c6d9296de2ad39' });
  });

  it('turns a resolved alert into a resolution', () => {
    const payload = JSON.parse(fixture('grafana-firing.json').toString());
    payload.status = 'resolved';
    payload.alerts[0].status = 'resolved';
    payload.alerts[0].endsAt = '2026-11-24T10:05:00Z';
    const { resolutions } = grafanaSource.receive(request(Buffer.from(JSON.stringify(payload)), { authorization: 'Bearer glsa_token' }), settings);
    expect(resolutions).toEqual([expect.objectContaining({ dedupKey: GROUP, tenant: 'initech', resolvedAt: '2026-11-24T10:05:00Z', member: { fingerprint: '57c6d9296de2ad39', startsAt: '2026-11-24T09:40:00Z' } })]);
  });
});

describe('Datadog source', () => {
  const bearer = { authorization: 'Bearer dd-token' };

  it('reads the documented payload template: priority, tenant and data categories from tags, one incident per monitor group', () => {
    const { alerts } = datadogSource.receive(request(fixture('datadog-triggered.json'), bearer), settings);
    expect(alerts).toEqual([
      expect.objectContaining({ tenant: 'hooli', severity: 'SEV1', dedupKey: 'datadog:148213577:f1e0d2c3b4a59687', dataCategories: ['personal-data', 'health'] }),
    ]);
  });

  it('turns Recovered into a resolution of the same key, and refuses a wrong token', () => {
    const payload = { ...JSON.parse(fixture('datadog-triggered.json').toString()), id: '7638524781593489999', transition: 'Recovered' };
    const { resolutions } = datadogSource.receive(request(Buffer.from(JSON.stringify(payload)), bearer), settings);
    expect(resolutions).toEqual([expect.objectContaining({ dedupKey: 'datadog:148213577:f1e0d2c3b4a59687', tenant: 'hooli' })]);
    expect(rejection(() => datadogSource.receive(request(fixture('datadog-triggered.json'), { authorization: 'Bearer nope' }), settings)).status).toBe(401);
  });
});

describe("Datadog's title prefixes", () => {
  it.each([
    ['[Triggered on {host:ip-012345,tenant:acme}] Host is Down', { name: 'Host is Down', transition: 'Triggered', scope: 'host:ip-012345,tenant:acme', test: false }],
    ['[Re-No Data on {tenant:acme}] Host is Down', { name: 'Host is Down', transition: 'Re-No Data', scope: 'tenant:acme', test: false }],
    ['[Recovered] Host is Down', { name: 'Host is Down', transition: 'Recovered', test: false }],
    ['[TEST] [Warn on {tenant:acme}] Host is Down', { name: 'Host is Down', transition: 'Warn', scope: 'tenant:acme', test: true }],
    ['[Memory Alert] Host is Down', { name: '[Memory Alert] Host is Down', test: false }],
    ['Host is Down', { name: 'Host is Down', test: false }],
  ])('reads %s', (title, expected) => expect(parseDatadogTitle(title)).toEqual(expected));

  it('reads a hostile title in linear time', () => {
    const hostile = `[Triggered on {${'x on {'.repeat(400_000)}`;
    // A backtracking reading of these 2.4 million characters takes hours; a linear one milliseconds.
    const { ms } = cpuMs(() => {
      expect(parseDatadogTitle(hostile).transition).toBeUndefined();
      expect(parseDatadogTitle(`[TEST] ${'['.repeat(1_000_000)}`).test).toBe(true);
    });
    expect(ms).toBeLessThan(1000);
  });
});

describe("Datadog's default payload", () => {
  const bearer = { authorization: 'Bearer dd-token' };
  it('is taken (not refused), keyed by the name and scope its recovery repeats', () => {
    const { alerts } = datadogSource.receive(request(fixture('datadog-default-triggered.json'), bearer), settings);
    expect(alerts).toEqual([expect.objectContaining({ tenant: 'initech', severity: 'SEV3', title: 'PII fields in /api/export responses', dedupKey: 'datadog:title:PII fields in /api/export responses:env:production,tenant:initech' })]);
    expect(alerts[0].details).not.toHaveProperty('body');
    const { resolutions } = datadogSource.receive(request(fixture('datadog-default-recovered.json'), bearer), settings);
    expect(resolutions.map((r) => r.dedupKey)).toEqual([alerts[0].dedupKey]);
  });
});

describe('Sentry source', () => {
  it('turns an issue created into an alert keyed by the issue, and resolved into a resolution', () => {
    const created = fixture('sentry-issue-created.json');
    const { alerts } = sentrySource.receive(request(created, sentryHeaders(created, 'issue')), settings);
    expect(alerts).toEqual([expect.objectContaining({ dedupKey: 'sentry:issue:1170820242', severity: 'SEV2', tenant: 'unassigned', title: expect.stringContaining('TypeError') })]);
    const resolved = fixture('sentry-issue-resolved.json');
    expect(sentrySource.receive(request(resolved, sentryHeaders(resolved, 'issue')), settings).resolutions).toEqual([
      expect.objectContaining({ dedupKey: 'sentry:issue:1170820242', source: 'sentry' }),
    ]);
  });

  it('takes the tenant and level of an alert rule event from its tags', () => {
    const body = fixture('sentry-event-alert.json');
    const { alerts } = sentrySource.receive(request(body, sentryHeaders(body, 'event_alert')), settings);
    expect(alerts).toEqual([expect.objectContaining({ tenant: 'acme', severity: 'SEV1', dedupKey: 'sentry:issue:1170820243' })]);
    expect(alerts[0].details).toMatchObject({ rule: 'Cross-tenant data in admin' });
  });

  it('refuses a forged or missing signature and ignores resources that are not alerts', () => {
    const body = fixture('sentry-issue-created.json');
    expect(rejection(() => sentrySource.receive(request(body, sentryHeaders(body, 'issue', 'forged')), settings)).status).toBe(401);
    expect(rejection(() => sentrySource.receive(request(body, { 'sentry-hook-resource': 'issue' }), settings)).message).toMatch(/missing Sentry-Hook-Signature/);
    const install = Buffer.from(JSON.stringify({ action: 'created', data: { installation: {} } }));
    expect(sentrySource.receive(request(install, sentryHeaders(install, 'installation')), settings)).toEqual({
      alerts: [],
      resolutions: [],
      ignored: [{ reason: 'installation: not an alert', deliveryId: expect.any(String) }],
    });
  });

  it('names no request text in the reason of a resource or action it does not know', () => {
    const body = Buffer.from(JSON.stringify({ action: 'reticulated-by-mallory@example.com', data: { issue: JSON.parse(fixture('sentry-issue-created.json').toString()).data.issue } }));
    const reasons = ['issue', 'mallory@example.com'].map((resource) => sentrySource.receive(request(body, sentryHeaders(body, resource)), settings).ignored?.[0].reason);
    expect(reasons).toEqual(['issue action Klaxon does not know', 'resource Klaxon does not know (Sentry-Hook-Resource)']);
  });

  it('keys every delivery of one metric alert by the Sentry incident: critical SEV2, warning SEV3, resolved a resolution', () => {
    const results = ['critical', 'warning', 'resolved'].map((action) => {
      const body = fixture(`sentry-metric-alert-${action}.json`);
      return sentrySource.receive(request(body, sentryHeaders(body, 'metric_alert')), settings);
    });
    expect(results.map((r) => r.alerts.map((a) => [a.dedupKey, a.severity, a.title]))).toEqual([[['sentry:metric_alert:4', 'SEV2', 'Too many errors']], [['sentry:metric_alert:4', 'SEV3', 'Too many errors']], []]);
    expect(results[2].resolutions).toEqual([expect.objectContaining({ dedupKey: 'sentry:metric_alert:4', title: 'Too many errors', labels: expect.objectContaining({ alert_rule: '7', dataset: 'events' }) })]);
  });
});

describe('Vercel log drain source', () => {
  const rules = parseRules(parse(fixture('rules.yaml').toString()), 'rules.yaml');
  const vercelSettings = (): SourceSettings => ({
    ...settings,
    secrets: { KLAXON_VERCEL_SECRET: 'drain-secret' },
    vercel: rules.vercel,
  });
  const signed = (body: Buffer, secret = 'drain-secret') => ({ 'x-vercel-signature': createHmac('sha1', secret).update(body).digest('hex') });

  it('turns matching log lines into alerts, and reports the lines of a spike detector as hits of their window', async () => {
    const body = fixture('vercel-drain.ndjson');
    const { alerts, spikeHits = [] } = vercelSource.receive(request(body, signed(body)), vercelSettings());
    expect(alerts.map((a) => [a.title, a.severity, a.tenant])).toEqual([['sensitive fields in a response on /api/customers', 'SEV1', 'acme']]);
    // The leaking message itself never leaves the drain.
    expect(JSON.stringify(alerts)).not.toContain('ssn');
    expect(alerts[0].details).toMatchObject({ requestId: '643af4e3-975a-4cc7-9e7a-1eda11539d90', statusCode: 200 });
    // Three 403s on admin routes, all in the minute from 10:20 UTC: one window, one delivery id.
    expect(spikeHits.map((h) => [h.lineId, new Date(h.window.start).toISOString()])).toEqual([
      ['1573817187330377061717300010', '2026-11-24T10:20:00.000Z'],
      ['1573817187330377061717300011', '2026-11-24T10:20:00.000Z'],
      ['1573817187330377061717300012', '2026-11-24T10:20:00.000Z'],
    ]);
    expect(new Set(spikeHits.map((h) => h.alert.deliveryId)).size).toBe(1);
    const spikes = await spikeAlertsOf(spikeHits, new InProcessSpikeWindows(), new Date());
    expect(spikes.map((a) => [a.title, a.severity, a.tenant, a.details.linesInWindow])).toEqual([['spike of 401/403 on admin routes on /admin/users/invite', 'SEV2', 'acme', 3]]);
  });

  it('reads a JSON array as well as NDJSON, and counts a spike across batches', async () => {
    const lines = fixture('vercel-drain.ndjson').toString().trim().split('\n').map((l) => JSON.parse(l));
    const s = vercelSettings();
    const windows = new InProcessSpikeWindows();
    const hitsOf = (batch: unknown[]) => {
      const body = Buffer.from(JSON.stringify(batch));
      return vercelSource.receive(request(body, signed(body)), s).spikeHits ?? [];
    };
    expect(await spikeAlertsOf(hitsOf(lines.slice(2, 4)), windows, new Date())).toEqual([]);
    // Vercel redelivers the first batch: its two lines are counted already.
    expect(await spikeAlertsOf(hitsOf(lines.slice(2, 4)), windows, new Date())).toEqual([]);
    expect((await spikeAlertsOf(hitsOf(lines.slice(4, 5)), windows, new Date())).map((a) => a.severity)).toEqual(['SEV2']);
  });

  it('skips a line whose ids could not key a window (no NUL, bounded), not the batch', () => {
    const [, , spike] = fixture('vercel-drain.ndjson').toString().trim().split('\n').map((l) => JSON.parse(l));
    const body = Buffer.from(JSON.stringify([{ ...spike, id: 'a\u0000b' }, { ...spike, projectId: 'p'.repeat(257) }, spike]));
    expect(vercelSource.receive(request(body, signed(body)), vercelSettings()).spikeHits?.map((h) => h.lineId)).toEqual([spike.id]);
  });

  it('skips a line whose path no record can store, so it never blocks the lines after it', () => {
    const [message, , spike] = fixture('vercel-drain.ndjson').toString().trim().split('\n').map((l) => JSON.parse(l));
    const bad = { ...spike, id: 'bad-path', proxy: { ...spike.proxy, path: '/admin/\u0000users' } };
    const body = Buffer.from(JSON.stringify([bad, { ...message, path: '/api/\ud800' }, message, spike]));
    const result = vercelSource.receive(request(body, signed(body)), vercelSettings());
    expect(result.spikeHits?.map((h) => h.lineId)).toEqual([spike.id]);
    expect(result.alerts.map((a) => a.details.requestId)).toEqual([message.requestId]);
  });

  it('refuses a forged or missing signature', () => {
    const body = fixture('vercel-drain.ndjson');
    expect(rejection(() => vercelSource.receive(request(body, signed(body, 'wrong')), vercelSettings())).message).toBe('x-vercel-signature does not match the body');
    expect(rejection(() => vercelSource.receive(request(body, {}), vercelSettings())).status).toBe(401);
  });
});

describe('enabled sources', () => {
  it('refuses to start a source without its secret, naming the variable', () => {
    expect(() => enabledSources(loadConfig({ KLAXON_SOURCES: 'generic' }))).toThrow('source "generic" is enabled but KLAXON_WEBHOOK_SECRET is not set');
    expect(() => enabledSources(loadConfig({ KLAXON_SOURCES: 'alertmanager' }))).toThrow(
      'source "alertmanager" is enabled but KLAXON_ALERTMANAGER_TOKEN or KLAXON_ALERTMANAGER_BASIC_AUTH is not set',
    );
    expect(() => enabledSources(loadConfig({ KLAXON_SOURCES: 'nagios' }))).toThrow(/unknown source "nagios"/);
    expect([...enabledSources(loadConfig({ KLAXON_SOURCES: 'sentry', SENTRY_CLIENT_SECRET: 'x' })).sources.keys()]).toEqual(['sentry']);
  });
});

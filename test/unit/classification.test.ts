import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { Alert } from '../../core/alerts/alert';
import { classify, classifyResolution, parseRules, RulesError } from '../../core/alerts/classification';

const rules = parseRules(parse(readFileSync(join(__dirname, '../fixtures/rules.yaml'), 'utf8')), 'rules.yaml');
const alert = (over: Partial<Alert>): Alert => ({
  source: 'alertmanager', title: 't', severity: 'SEV3', dedupKey: 'k', tenant: 'acme', dataCategories: [], details: {}, deliveryId: 'd', receivedAt: '2026-11-24T10:00:00Z', ...over,
});

describe('classification rules', () => {
  it('apply the first rule that matches source, title and labels', () => {
    const c = classify(alert({ dataCategories: ['credentials'], details: { labels: { alertname: 'TenantDataServedCrossTenant', service: 'customers-api' } } }), rules);
    expect(c.classification).toEqual({ service: 'customers-api', surfaces: ['api-route', 'server-rendered-page'], jurisdictions: ['EU', 'UK'], rule: 'cross-tenant rows in the customers API' });
    expect(c.dataCategories).toEqual(['credentials', 'personal-data']);
    expect(c.details.triage).toBeUndefined();

    const admin = classify(alert({ source: 'grafana', title: '403 responses on /admin routes of initech tripled' }), rules);
    expect(admin).toMatchObject({ severity: 'SEV2', classification: { service: 'admin-console', rule: 'admin 403 spikes are tenant-admin incidents' } });
  });

  it('may move an alert to another tenant, and its resolution with it', () => {
    expect(classify(alert({ source: 'sentry', title: "Cannot read properties of undefined (reading 'tenantId')" }), rules).tenant).toBe('platform');
    const resolution = { source: 'sentry', title: "reading 'tenantId'", labels: {}, tenant: 'unassigned', dedupKey: 'k', deliveryId: 'd', resolvedAt: 'x' };
    expect(classifyResolution(resolution, rules).tenant).toBe('platform');
  });

  it('keep an unmatched alert, with the defaults, flagged for triage', () => {
    const c = classify(alert({ details: { labels: { alertname: 'TenantDataServedCrossTenant', service: 'billing' } } }), rules);
    expect(c).toMatchObject({ tenant: 'acme', severity: 'SEV3', classification: { service: 'unclassified', surfaces: [], jurisdictions: ['EU'] } });
    expect(c.classification.rule).toBeUndefined();
    expect(c.details.triage).toBe('no classification rule matched');
  });

  it('are refused at start with errors that name the rule and the field', () => {
    const bad = {
      rules: [
        { name: 'fine', match: {}, set: {} },
        { name: 'broken', match: { title: '([' }, set: { severity: 'P1', surfaces: ['kitchen'] } },
        { match: {}, set: { jurisdictions: ['Europe'] } },
      ],
    };
    let message = '';
    try {
      parseRules(bad, 'rules.yaml');
    } catch (err) {
      expect(err).toBeInstanceOf(RulesError);
      message = (err as Error).message;
    }
    expect(message).toMatch(/^rules\.yaml: /);
    expect(message).toContain('rule 2 "broken", match.title: not a regular expression');
    expect(message).toContain('rule 2 "broken", set.severity');
    expect(message).toContain('rule 2 "broken", set.surfaces.0');
    expect(message).toContain('rule 3, name: is required');
    expect(message).toContain('rule 3, set.jurisdictions.0: a jurisdiction like EU');
  });

  it('take a grouping per source, per-group by default, and refuse another word or source naming the field', () => {
    expect(rules.grouping).toEqual({});
    expect(parseRules({ grouping: { alertmanager: 'per-alert', grafana: 'per-group' } }, 'rules.yaml').grouping).toEqual({ alertmanager: 'per-alert', grafana: 'per-group' });
    expect(() => parseRules({ grouping: { alertmanager: 'per-incident' } }, 'rules.yaml')).toThrow(/^rules\.yaml: grouping\.alertmanager: .*per-group.*per-alert/);
    expect(() => parseRules({ grouping: { datadog: 'per-alert' } }, 'rules.yaml')).toThrow('rules.yaml: grouping: unknown field(s) datadog');
    expect(() => parseRules({ grouping: 'per-alert' }, 'rules.yaml')).toThrow(/^rules\.yaml: grouping: /);
  });
});

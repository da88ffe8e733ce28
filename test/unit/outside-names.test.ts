import { ApplicationFailure } from '@temporalio/common';
import { ContainmentAdapters } from '../../activities/containment';
import { createPagerDutyActivities } from '../../activities/pagerduty';
import { loadConfig } from '../../config/environment';
import { CONTAINMENT_KINDS } from '../../core/containment/containment';
import { containmentKey } from '../../core/containment/containment-key';
import { Incident } from '../../core/incident/incident';
import { severityFrom } from '../../core/sources/shared';
import { sampleAlert, samplePolicy } from '../support/samples';

/**
 * Names that come from outside (tenants, services, severity words, exceptions) are looked up
 * in Maps or as own properties: `constructor`, `toString` and `__proto__` are names like any
 * other, never a way into Object.prototype.
 */
const PROTOTYPE_NAMES = ['constructor', 'toString', 'valueOf', 'hasOwnProperty', '__proto__'];
const containmentFile = (text: string, env: Record<string, string> = { T: 'token' }) => loadConfig({ KLAXON_CONTAINMENT_FILE: 'containment.yaml', ...env }, () => text).containment;

describe('Edge Config containment keys', () => {
  const tricky = ['acme.eu', 'acme_eu', 'acme-eu', 'acme_2eeu', 'acme_5feu', 'acme__eu', 'acme._eu', 'acme_.eu', 'acme..eu', 'a', 'A', 'global', 'acme.eu_isolate-tenant'];

  it('differ for every pair of tenants and kinds (acme.eu and acme_eu included), in Edge Config\'s alphabet', () => {
    const keys = new Map<string, string>();
    for (const tenant of [...tricky, '*']) {
      for (const kind of CONTAINMENT_KINDS) {
        const key = containmentKey(tenant, kind);
        expect(key).toMatch(/^[\w-]{1,256}$/);
        expect(keys.get(key)).toBeUndefined();
        keys.set(key, `${tenant}/${kind}`);
      }
    }
    // Plain tenant names keep the readable key a middleware was written against.
    expect(containmentKey('acme', 'isolate-tenant')).toBe('klaxon_tenant_acme_isolate-tenant');
    expect(containmentKey('acme.eu', 'isolate-tenant')).toBe('klaxon_tenant_acme_2eeu_isolate-tenant');
  });

  it('are computed as the README\'s middleware computes them', () => {
    // The snippet's encoding, copied: a drift between the two would leave a tenant unprotected at the edge.
    const readme = (tenant: string) => `klaxon_tenant_${tenant.replace(/[^A-Za-z0-9-]/g, (c) => `_${c.charCodeAt(0).toString(16).padStart(2, '0')}`)}_isolate-tenant`;
    for (const tenant of tricky) expect(containmentKey(tenant, 'isolate-tenant')).toBe(readme(tenant));
  });

  it('refuse names outside the tenant alphabet instead of folding them onto another tenant', () => {
    expect(() => containmentKey('acme/../globex', 'isolate-tenant')).toThrow(/not a tenant name/);
    expect(() => containmentKey('', 'isolate-tenant')).toThrow(/not a tenant name/);
  });
});

describe('the containment file', () => {
  const edge = (tenant: string) => `  ${tenant}: { adapter: edge-config, edgeConfigId: ecfg_shared, tokenEnv: T }`;

  it('takes acme.eu and acme_eu side by side on one Edge Config', () => {
    const targets = containmentFile(['tenants:', edge('acme.eu'), edge('acme_eu')].join('\n'));
    expect([...targets.tenants.keys()]).toEqual(['acme.eu', 'acme_eu']);
  });

  it('refuses a tenant name no key can hold, naming it: too long for Edge Config, or not a tenant name at all', () => {
    const long = `a${'.'.repeat(100)}`;
    expect(() => containmentFile(['tenants:', edge(long)].join('\n'))).toThrow(`containment.yaml: tenant "${long}": its Edge Config key`);
    expect(() => containmentFile(['tenants:', edge('__proto__')].join('\n'))).toThrow('containment.yaml: tenants: "__proto__" is not a tenant name');
    expect(() => containmentFile(['tenants:', edge('acme eu')].join('\n'))).toThrow('"acme eu" is not a tenant name');
  });

  it('finds tenants named like Object.prototype\'s members, and only those configured', () => {
    const targets = containmentFile(['tenants:', edge('constructor'), edge('toString')].join('\n'));
    const adapters = new ContainmentAdapters(targets);
    expect(adapters.of('constructor').type).toBe('edge-config');
    expect(adapters.of('toString').type).toBe('edge-config');
    for (const name of ['valueOf', 'hasOwnProperty', '__proto__']) {
      let refusal: unknown;
      try {
        adapters.of(name);
      } catch (err) {
        refusal = err;
      }
      expect(refusal).toBeInstanceOf(ApplicationFailure);
      expect((refusal as ApplicationFailure).type).toBe('ContainmentUnconfigured');
    }
  });
});

describe('other lookups of outside names', () => {
  it('severity words from monitoring tools', () => {
    for (const word of PROTOTYPE_NAMES) expect(severityFrom(word)).toBe('SEV3');
  });

  it('PagerDuty services a policy names', async () => {
    const pagerduty = createPagerDutyActivities({ routingKeys: { ops: 'R0OPS' }, server: '127.0.0.1:1' });
    const state = Incident.open('inc-names-1', samplePolicy, sampleAlert(), '2026-11-24T10:00:00.000Z').snapshot();
    for (const service of PROTOTYPE_NAMES) {
      await expect(pagerduty.triggerPagerDuty({ state, service, responder: 'alice', level: 1 })).rejects.toThrow(`no routing key is configured for PagerDuty service "${service}"`);
    }
  });

  it('PagerDuty services named in PAGERDUTY_ROUTING_KEYS', () => {
    expect(Object.keys(loadConfig({ PAGERDUTY_ROUTING_KEYS: '__proto__=R0X,ops=R0OPS' }).pagerduty.routingKeys)).toEqual(['__proto__', 'ops']);
  });

  it('the Art. 34(3) exception a decision relies on', () => {
    const inc = Incident.open('inc-names-2', samplePolicy, sampleAlert(), '2026-11-24T10:00:00.000Z');
    for (const exception of PROTOTYPE_NAMES) {
      expect(() => inc.legal.validateRiskDecision({ by: { responder: 'alice', via: 'cli' }, highRisk: true, exception: exception as never, reasons: 'encrypted at rest' }, '2026-11-24T10:05:00.000Z')).toThrow(
        `"${exception}" is not an Art. 34(3) exception`,
      );
    }
  });
});

import { MockActivityEnvironment } from '@temporalio/testing';
import { ContainmentAdapters, createContainmentActivities } from '../../activities/containment';
import type { AdapterRequest } from '../../activities/containment/adapter';
import { parseContainmentTargets } from '../../core/containment/containment-config';
import { EdgeConfigStandIn } from '../support/edge-config-stand-in';

/**
 * A drill's scenario names its sandbox tenant, and whoever may start a drill writes the scenario:
 * naming a real customer as the "sandbox" would isolate that customer for real. The operator
 * declares which tenants are sandboxes (KLAXON_CONTAINMENT_FILE `sandboxes:`); the containment
 * activities refuse a drill's action on any other, before any adapter is called.
 */
const edge = new EdgeConfigStandIn('vercel-token');
beforeAll(async () => {
  await edge.start();
  edge.create('ecfg_real');
  edge.create('ecfg_sandbox');
});
afterAll(() => edge.stop());

const FILE = (sandboxes: string) => `tenants:
  globex: { adapter: edge-config, edgeConfigId: ecfg_real, tokenEnv: VERCEL_TOKEN, apiUrl: "${edge.url}" }
  acme-sandbox: { adapter: edge-config, edgeConfigId: ecfg_sandbox, tokenEnv: VERCEL_TOKEN, apiUrl: "${edge.url}" }
${sandboxes}`;
const targets = (sandboxes = 'sandboxes: [acme-sandbox]\n') => parseContainmentTargets(FILE(sandboxes), 'containment.yaml', { VERCEL_TOKEN: 'vercel-token' });
const request = (incidentId: string, tenant: string): AdapterRequest => ({ incidentId, actionId: 'a1', tenant, spec: { kind: 'isolate-tenant', mode: 'read-only' }, idempotencyKey: `${incidentId}/a1` });
const DRILL = 'drill-acme-20261206100000-a1b2c3';

describe('a drill’s containment', () => {
  it('acts on a declared sandbox only: a real tenant named as the sandbox is refused, nothing sent to its control plane', async () => {
    const act = createContainmentActivities(new ContainmentAdapters(targets()));
    const env = new MockActivityEnvironment();
    await expect(env.run(act.applyContainment, request(DRILL, 'globex'))).rejects.toMatchObject({
      message: `drill ${DRILL} may act on a sandbox tenant only: "globex" is not among the sandboxes of KLAXON_CONTAINMENT_FILE`,
      nonRetryable: true,
    });
    await expect(env.run(act.applyContainment, request(DRILL, '*'))).rejects.toMatchObject({ nonRetryable: true });
    expect(edge.requests).toEqual([]);

    await env.run(act.applyContainment, request(DRILL, 'acme-sandbox'));
    expect(edge.requests.length).toBeGreaterThan(0);
    // A real incident acts on its real tenant as before.
    await env.run(act.applyContainment, request('inc-globex-0123456789abcdef', 'globex'));
  });

  it('reads the declared sandboxes, each one a tenant of the file', () => {
    expect([...(targets().sandboxes ?? [])]).toEqual(['acme-sandbox']);
    expect(targets('').sandboxes).toBeUndefined();
    expect(() => targets('sandboxes: [acme-sandbx]\n')).toThrow('containment.yaml: sandboxes: "acme-sandbx" has no adapter under tenants');
  });
});

import { CONFIG_VARIABLES, ConfigError, loadConfig } from '../../config/environment';
import { SOURCE_SECRET_VARIABLES } from '../../core/sources/registry';

describe('configuration', () => {
  it('has defaults that make the embedded stack work', () => {
    const c = loadConfig({});
    expect(c.api).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(c.temporal).toEqual({ address: '127.0.0.1:7233', namespace: 'default', taskQueue: 'klaxon-incidents' });
    expect(c.policies.policies[0].levels).toHaveLength(2);
    expect(c.outboxDir).toBe('.data/outbox');
  });

  it('names the variable that is wrong', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT="eighty"/);
    expect(() => loadConfig({ KLAXON_RESPONDERS: 'alice:U0A:Mars/Base' })).toThrow(ConfigError);
    expect(() => loadConfig({ KLAXON_RESPONDERS: 'alice:U0A:Mars/Base' })).toThrow(/KLAXON_RESPONDERS: .*Mars\/Base/);
    expect(() => loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1', KLAXON_SLACK_CHANNEL: '#incidents' })).toThrow(/KLAXON_SLACK_CHANNEL/);
  });

  it('lists every source credential among the documented variables', () => {
    expect(SOURCE_SECRET_VARIABLES.filter((v) => !(v in CONFIG_VARIABLES))).toEqual([]);
  });
});

describe('KLAXON_AUTO_RESOLVE beside a policy file', () => {
  const file = [
    'policies:',
    '  - { name: quiet, responders: [{ name: a, slackUserId: U0A, timeZone: UTC }], levels: [{ targets: [a], timeoutMinutes: 5 }] }',
    '  - { name: manual, responders: [{ name: a, slackUserId: U0A, timeZone: UTC }], levels: [{ targets: [a], timeoutMinutes: 5 }], autoResolve: false }',
    'routes:',
    '  - { policy: manual, match: { tenant: [bank] } }',
  ].join('\n');
  const load = (env: Record<string, string>) => loadConfig({ KLAXON_POLICY_FILE: 'policy.yaml', ...env }, () => file);

  it('is the default of the policies that do not say autoResolve themselves; a policy that says it wins', () => {
    const c = load({ KLAXON_AUTO_RESOLVE: 'true' });
    expect(c.policies.policies.map((p) => [p.name, p.autoResolve])).toEqual([
      ['quiet', true],
      ['manual', false],
    ]);
    expect(load({}).policies.policies.map((p) => p.autoResolve)).toEqual([false, false]);
  });

  it('names the conflict, and what applies, when a policy says otherwise', () => {
    expect(load({ KLAXON_AUTO_RESOLVE: 'true' }).notices).toEqual([
      'KLAXON_AUTO_RESOLVE=true applies to the policies of policy.yaml that do not say autoResolve; policy "manual" says autoResolve: false, and that applies to its incidents',
    ]);
    expect(load({ KLAXON_AUTO_RESOLVE: 'false' }).notices).toEqual([]);
    expect(load({}).notices).toEqual([]);
  });
});

describe('the containment file', () => {
  const load = (text: string, env: Record<string, string> = {}) => loadConfig({ KLAXON_CONTAINMENT_FILE: 'containment.yaml', ...env }, () => text);

  it('names each tenant\'s adapter, with secrets read from the variables it names', () => {
    const c = load(
      [
        'tenants:',
        '  acme: { adapter: edge-config, edgeConfigId: ecfg_abc123, tokenEnv: VERCEL_API_TOKEN, teamId: team_acme }',
        '  globex: { adapter: webhook, url: "https://admin.globex.example/klaxon", secretEnv: GLOBEX_SECRET }',
        '  initech: { adapter: postgres, databaseUrlEnv: INITECH_DATABASE_URL }',
      ].join('\n'),
      { VERCEL_API_TOKEN: 'tok', GLOBEX_SECRET: 'sec', INITECH_DATABASE_URL: 'postgres://initech' },
    );
    expect(Object.fromEntries(c.containment.tenants)).toEqual({
      acme: { adapter: 'edge-config', edgeConfigId: 'ecfg_abc123', token: 'tok', teamId: 'team_acme', apiUrl: 'https://api.vercel.com' },
      globex: { adapter: 'webhook', url: 'https://admin.globex.example/klaxon', secret: 'sec', timeoutMs: 10_000 },
      initech: { adapter: 'postgres', databaseUrl: 'postgres://initech', table: 'klaxon_containment' },
    });
    expect(loadConfig({}).containment).toEqual({ tenants: new Map() });
  });

  it('says which tenant, field or variable is wrong', () => {
    expect(() => load('tenants:\n  acme: { adapter: edge-config, edgeConfigId: ecfg_a, tokenEnv: VERCEL_API_TOKEN }')).toThrow(
      'containment.yaml: tenant "acme" reads its secret from VERCEL_API_TOKEN, which is not set',
    );
    expect(() => load('tenants:\n  acme: { adapter: edge-config, edgeConfigId: abc, tokenEnv: T }', { T: 'x' })).toThrow(/tenants\.acme\.edgeConfigId: an Edge Config id starts with ecfg_/);
    expect(() => load('tenants:\n  acme: { adapter: carrier-pigeon }')).toThrow(/containment\.yaml: tenants\.acme\.adapter/);
    expect(() => loadConfig({ KLAXON_CONTAINMENT_FILE: 'missing.yaml' }, () => { throw new Error('ENOENT'); })).toThrow('KLAXON_CONTAINMENT_FILE=missing.yaml: ENOENT');
  });
});

describe('KLAXON_RESPONDERS', () => {
  it('takes roles after the zone, so the embedded stack can approve and override containment', () => {
    const [primary, secondary] = loadConfig({}).policies.policies[0].responders;
    expect(primary).toMatchObject({ name: 'primary', roles: ['incident-commander'] });
    expect(secondary).toMatchObject({ name: 'secondary', roles: ['approver'] });
    expect(loadConfig({ KLAXON_RESPONDERS: 'dana:U0DANA:Europe/Berlin:dpo+approver,eve:U0EVE' }).policies.policies[0].responders).toEqual([
      { name: 'dana', slackUserId: 'U0DANA', timeZone: 'Europe/Berlin', roles: ['dpo', 'approver'] },
      { name: 'eve', slackUserId: 'U0EVE', timeZone: 'UTC' },
    ]);
    expect(() => loadConfig({ KLAXON_RESPONDERS: 'dana:U0DANA:UTC:dpo:extra' })).toThrow('expected name:SlackUserId[:Zone[:role+role]]');
  });
});

describe('KLAXON_PRODUCTION', () => {
  it('refuses a start without the ledger or a channel its responders are reached on, naming every missing variable at once', () => {
    expect(() => loadConfig({ KLAXON_PRODUCTION: 'true', KLAXON_RESPONDERS: 'alice:U0ALICE' })).toThrow(
      'KLAXON_PRODUCTION is set, and 4 setting(s) are missing: DATABASE_URL (the ledger database); SLACK_BOT_TOKEN (slack: alice is reached on it); KLAXON_SLACK_CHANNEL (slack: alice is reached on it); SLACK_SIGNING_SECRET (slack: alice is reached on it)',
    );
    const ready = { KLAXON_PRODUCTION: 'true', KLAXON_RESPONDERS: 'alice:U0ALICE', DATABASE_URL: 'postgres://x@db/klaxon', SLACK_BOT_TOKEN: 'xoxb-1', KLAXON_SLACK_CHANNEL: 'C0INCIDENTS', SLACK_SIGNING_SECRET: 's' };
    expect(loadConfig(ready).slack.botToken).toBe('xoxb-1');
    // The embedded stack's way stays: without KLAXON_PRODUCTION, no token means the outbox.
    expect(loadConfig({ KLAXON_RESPONDERS: 'alice:U0ALICE' }).slack.botToken).toBeUndefined();
  });
});

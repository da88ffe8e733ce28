import { CONFIG_VARIABLES, ConfigError, loadConfig } from '../../core/config';
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

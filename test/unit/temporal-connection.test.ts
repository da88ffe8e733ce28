import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../core/shared/config-error';
import { connectionOptions, temporalConnectionSettings } from '../../config/temporal-connection';

/** Temporal's own connection settings (variables and TOML profiles), as the worker, the API and the CLI read them. */
describe('Temporal connection settings', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'klaxon-envconfig-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is a plain connection to a local dev server when nothing is said', () => {
    expect(temporalConnectionSettings({})).toEqual({ address: '127.0.0.1:7233', namespace: 'default' });
  });

  it('turns TLS on for a Temporal Cloud API key', () => {
    const s = temporalConnectionSettings({ TEMPORAL_ADDRESS: 'us-east-1.aws.api.temporal.io:7233', TEMPORAL_NAMESPACE: 'klaxon.a1b2c', TEMPORAL_API_KEY: 'key-123' });
    expect(s).toEqual({ address: 'us-east-1.aws.api.temporal.io:7233', namespace: 'klaxon.a1b2c', apiKey: 'key-123', tls: true });
    expect(connectionOptions(s)).toEqual({ address: 'us-east-1.aws.api.temporal.io:7233', apiKey: 'key-123', tls: true });
  });

  it('reads a client certificate pair and the server CA for mTLS', () => {
    for (const f of ['c.crt', 'c.key', 'ca.crt']) writeFileSync(join(dir, f), `pem of ${f}`);
    const s = temporalConnectionSettings({
      TEMPORAL_ADDRESS: 'temporal.internal:7233',
      TEMPORAL_TLS_CLIENT_CERT_PATH: join(dir, 'c.crt'),
      TEMPORAL_TLS_CLIENT_KEY_PATH: join(dir, 'c.key'),
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: join(dir, 'ca.crt'),
      TEMPORAL_TLS_SERVER_NAME: 'temporal',
    });
    expect(s.tls).toMatchObject({ serverNameOverride: 'temporal' });
    const tls = s.tls as { clientCertPair: { crt: Uint8Array; key: Uint8Array }; serverRootCACertificate: Uint8Array };
    expect([tls.clientCertPair.crt, tls.clientCertPair.key, tls.serverRootCACertificate].map((b) => Buffer.from(b).toString())).toEqual(['pem of c.crt', 'pem of c.key', 'pem of ca.crt']);
  });

  it('takes a profile of a TOML file when told to, the variables overriding it', () => {
    const file = join(dir, 'temporal.toml');
    writeFileSync(file, '[profile.prod]\naddress = "prod.tmprl.cloud:7233"\nnamespace = "prod.acct"\napi_key = "from-file"\n');
    expect(temporalConnectionSettings({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'prod' })).toEqual({ address: 'prod.tmprl.cloud:7233', namespace: 'prod.acct', apiKey: 'from-file', tls: true });
    expect(temporalConnectionSettings({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'prod', TEMPORAL_NAMESPACE: 'staging.acct' }).namespace).toBe('staging.acct');
    // A profile file is not read unless asked for.
    expect(temporalConnectionSettings({ HOME: dir }).address).toBe('127.0.0.1:7233');
  });

  it.each([
    [{ TEMPORAL_TLS_CLIENT_CERT_PATH: '/x.crt' }, 'TEMPORAL_TLS_CLIENT_CERT_PATH is set without TEMPORAL_TLS_CLIENT_KEY_PATH'],
    [{ TEMPORAL_TLS_CLIENT_KEY_DATA: 'k' }, 'TEMPORAL_TLS_CLIENT_KEY_DATA is set without TEMPORAL_TLS_CLIENT_CERT_DATA'],
    [{ TEMPORAL_CONFIG_FILE: '/nowhere/temporal.toml' }, 'TEMPORAL_CONFIG_FILE="/nowhere/temporal.toml" does not exist'],
    [{ TEMPORAL_TLS_CLIENT_CERT_PATH: '/nowhere/c.crt', TEMPORAL_TLS_CLIENT_KEY_PATH: '/nowhere/c.key' }, 'Temporal connection settings (TEMPORAL_* variables): ENOENT'],
  ])('refuses %j at start, naming the setting', (env, message) => {
    expect(() => temporalConnectionSettings(env)).toThrow(ConfigError);
    expect(() => temporalConnectionSettings(env)).toThrow(message);
  });

  it('names a profile the file does not have', () => {
    const file = join(dir, 'temporal.toml');
    expect(() => temporalConnectionSettings({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'nope' })).toThrow(/Profile 'nope' not found/);
  });
});

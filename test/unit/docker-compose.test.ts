import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { CONFIG_VARIABLES, loadConfig } from '../../config/environment';
import { SEARCH_ATTRIBUTE_FLAGS } from '../../workflows/search-attributes';

/**
 * No Docker engine runs here, so the production shape is checked by reading it: the names,
 * ports and environment in docker-compose.yml must agree with what the code reads.
 */
const root = join(__dirname, '../..');
const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8')) as {
  services: Record<string, { environment?: Record<string, string | number>; ports?: string[]; command?: string[] | string; build?: string; restart?: string; depends_on?: unknown }>;
};
const services = compose.services;

/** Resolves `${VAR:-default}` to its default and `${VAR:?message}` to a stand-in value, as compose would with VAR unset. */
function resolvedEnv(service: string): Record<string, string> {
  return Object.fromEntries(
    Object.entries(services[service].environment ?? {}).map(([k, v]) => [
      k,
      String(v).replace(/\$\{[A-Z_]+:-([^}]*)\}/g, '$1').replace(/\$\{[A-Z_]+:\?[^}]*\}/g, 'set-by-operator'),
    ]),
  );
}

describe('docker-compose.yml', () => {
  it('has the production services', () => {
    expect(Object.keys(services).sort()).toEqual(
      ['api', 'ledger-db', 'temporal', 'temporal-db', 'temporal-schema', 'temporal-search-attributes', 'temporal-ui', 'worker'].sort(),
    );
  });

  it('gives the worker and the API only variables Klaxon reads, and a configuration that loads', () => {
    for (const name of ['worker', 'api']) {
      const env = resolvedEnv(name);
      for (const key of Object.keys(env)) expect(Object.keys(CONFIG_VARIABLES)).toContain(key);
      expect(() => loadConfig(env)).not.toThrow();
    }
  });

  it('points the worker and the API at the Temporal service and the worker at the ledger database', () => {
    const temporalPort = services.temporal.ports![0].split(':')[1];
    for (const name of ['worker', 'api']) expect(loadConfig(resolvedEnv(name)).temporal.address).toBe(`temporal:${temporalPort}`);
    const ledger = resolvedEnv('ledger-db');
    const url = new URL(loadConfig(resolvedEnv('worker')).databaseUrl!);
    expect([url.hostname, url.username, url.password, url.pathname.slice(1)]).toEqual(['ledger-db', ledger.POSTGRES_USER, ledger.POSTGRES_PASSWORD, ledger.POSTGRES_DB]);
  });

  it('publishes the API on the port it listens on, on all interfaces inside its container', () => {
    const api = loadConfig(resolvedEnv('api')).api;
    expect(api.host).toBe('0.0.0.0');
    expect(services.api.ports).toEqual([`${api.port}:${api.port}`]);
  });

  it('pins the same escalation policy in the API (which opens incidents) and the worker', () => {
    expect(loadConfig(resolvedEnv('api')).policies).toEqual(loadConfig(resolvedEnv('worker')).policies);
  });

  it('restarts every long-running service after a crash, and never re-runs a one-shot set-up job that succeeded', () => {
    // A one-shot job is one another service waits on to complete successfully.
    const oneShot = new Set(Object.values(services).flatMap((s) => Object.entries((s.depends_on ?? {}) as Record<string, { condition?: string }>).filter(([, d]) => d.condition === 'service_completed_successfully').map(([name]) => name)));
    expect([...oneShot].sort()).toEqual(['temporal-schema', 'temporal-search-attributes']);
    for (const [name, service] of Object.entries(services)) {
      if (oneShot.has(name)) expect([undefined, 'no', 'on-failure']).toContain(service.restart);
      else expect([name, service.restart]).toEqual([name, expect.stringMatching(/^(unless-stopped|always)$/)]);
    }
  });

    it('registers the search attributes the workflow writes', () => {
    const script = String(services['temporal-search-attributes'].command);
    for (const flag of SEARCH_ATTRIBUTE_FLAGS) expect(script).toContain(flag);
  });

  it('runs entry points that exist, from an image this repository builds', () => {
    for (const name of ['worker', 'api']) {
      expect(services[name].build).toBe('.');
      const entry = (services[name].command as string[]).at(-1)!;
      expect(existsSync(join(root, entry))).toBe(true);
    }
    expect(readFileSync(join(root, 'Dockerfile'), 'utf8')).toMatch(/COPY client \.\/client/);
  });
});

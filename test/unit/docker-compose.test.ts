import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { CONFIG_VARIABLES, loadConfig } from '../../config/environment';
import { SEARCH_ATTRIBUTE_FLAGS } from '../../workflows/search-attributes';

/**
 * No Docker engine runs here, so the production shape is checked by reading it, further than
 * its syntax: every variable the worker and the API read is set, every file they read is
 * mounted (and loads), no secret has a default, Temporal is not published. The same topology
 * runs as processes in test/integration/production-topology.test.ts.
 */
const root = join(__dirname, '../..');
type Service = {
  environment?: Record<string, string | number>;
  ports?: string[];
  expose?: string[];
  profiles?: string[];
  volumes?: string[];
  command?: string[] | string;
  build?: string;
  restart?: string;
  depends_on?: unknown;
  healthcheck?: { test: string[] };
};
const services = (parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, Service> }).services;
const KLAXON = ['worker', 'api'];

/** What an operator sets for each `${VAR:?…}` (plausible values: the configuration checks their form). */
const OPERATOR: Record<string, string> = {
  TEMPORAL_DB_PASSWORD: 'temporal-password',
  LEDGER_DB_PASSWORD: 'owner-password',
  KLAXON_RUNTIME_PASSWORD: 'runtime-password',
  KLAXON_WEBHOOK_SECRET: 'whsec',
  SLACK_BOT_TOKEN: 'xoxb-operator',
  KLAXON_SLACK_CHANNEL: 'C0OPERATOR',
  SLACK_SIGNING_SECRET: 'signing',
};

/** A service's environment as compose gives it with the operator's values set and every `${VAR:-default}` unset. */
function resolvedEnv(service: string): Record<string, string> {
  return Object.fromEntries(
    Object.entries(services[service].environment ?? {}).map(([k, v]) => [
      k,
      String(v)
        .replace(/\$\{([A-Z_]+):-([^}]*)\}/g, '$2')
        .replace(/\$\{([A-Z_]+):\?[^}]*\}/g, (_, name: string) => {
          if (!(name in OPERATOR)) throw new Error(`${service}: ${name} is required but the test has no value for it`);
          return OPERATOR[name];
        }),
    ]),
  );
}

/** Reads a file the way the container would find it: through the service's mounts, from this repository. */
function mountedReader(service: string) {
  const mounts = (services[service].volumes ?? []).map((v) => {
    const [host, container] = v.replace(/\$\{[A-Z_]+:-([^}]*)\}/g, '$1').split(':');
    return { host: join(root, host), container };
  });
  return (path: string): string => {
    const mount = mounts.find((m) => path.startsWith(`${m.container}/`));
    if (!mount) throw new Error(`${service} reads ${path}, which no volume mounts`);
    return readFileSync(join(mount.host, path.slice(mount.container.length)), 'utf8');
  };
}

const configOf = (service: string) => loadConfig(resolvedEnv(service), mountedReader(service));

describe('docker-compose.yml', () => {
  it('has the production services', () => {
    expect(Object.keys(services).sort()).toEqual(['api', 'ledger-db', 'ledger-setup', 'temporal', 'temporal-db', 'temporal-schema', 'temporal-search-attributes', 'temporal-ui', 'worker'].sort());
  });

  it('gives the worker and the API only variables Klaxon reads, and a production configuration that loads from the mounted files', () => {
    for (const name of KLAXON) {
      for (const key of Object.keys(resolvedEnv(name))) expect([name, key, key in CONFIG_VARIABLES]).toEqual([name, key, true]);
      expect(resolvedEnv(name).KLAXON_PRODUCTION).toBe('true');
      const config = configOf(name);
      expect(config.policies.policies.map((p) => p.name)).toEqual(['production']);
      expect(config.containment.tenants.size).toBe(0);
      // The rules file is read by the API at start (client/api/rules-file.ts): it must be mounted too.
      expect(() => mountedReader(name)(config.rulesFile!)).not.toThrow();
    }
  });

  it('leaves no secret with a default: each is the operator\'s to set, or empty', () => {
    const secret = /SECRET|TOKEN|PASSWORD|PWD|KEYS?$|DATABASE_URL|SMTP_URL/;
    for (const [name, service] of Object.entries(services)) {
      for (const [key, value] of Object.entries(service.environment ?? {})) {
        if (!secret.test(key)) continue;
        const text = String(value);
        // Every `${…}` in a secret is required (`:?`) or empty when unset (`:-}`); nothing else is written out.
        const literal = text.replace(/\$\{[A-Z_]+:\?[^}]*\}/g, '').replace(/\$\{[A-Z_]+:-\}/g, '');
        expect([name, key, /\$\{[A-Z_]+:-[^}]/.test(text)]).toEqual([name, key, false]);
        if (key.endsWith('_URL')) expect([name, key, /:\/\/[^:@/]+:[^$@]+@/.test(text)]).toEqual([name, key, false]);
        else expect([name, key, literal]).toEqual([name, key, '']);
      }
    }
  });

  it('connects the worker and the API as the runtime role the ledger set-up creates, never as the owner', () => {
    const setup = resolvedEnv('ledger-setup');
    const owner = new URL(setup.DATABASE_URL);
    expect(owner.username).toBe(resolvedEnv('ledger-db').POSTGRES_USER);
    for (const name of KLAXON) {
      const url = new URL(configOf(name).databaseUrl!);
      expect([url.hostname, url.username, url.password, url.pathname]).toEqual(['ledger-db', setup.KLAXON_RUNTIME_ROLE, OPERATOR.KLAXON_RUNTIME_PASSWORD, owner.pathname]);
      expect((services[name].depends_on as Record<string, { condition: string }>)['ledger-setup']).toEqual({ condition: 'service_completed_successfully' });
    }
  });

  it('does not publish Temporal, and the UI only on loopback behind a profile', () => {
    expect(services.temporal.ports).toBeUndefined();
    for (const name of KLAXON) expect(configOf(name).temporal.address).toBe(`temporal:${services.temporal.expose![0]}`);
    expect(services['temporal-ui'].profiles).toEqual(['ui']);
    expect(services['temporal-ui'].ports!.every((p) => p.startsWith('127.0.0.1:'))).toBe(true);
    const published = Object.entries(services).filter(([, s]) => s.ports && !s.profiles).map(([name, s]) => [name, s.ports]);
    expect(published).toEqual([['api', ['8080:8080']]]);
  });

  it('publishes the API on the port it listens on, on all interfaces inside its container, and probes both processes for readiness', () => {
    const api = configOf('api').api;
    expect(api.host).toBe('0.0.0.0');
    expect(services.api.ports).toEqual([`${api.port}:${api.port}`]);
    expect(services.api.healthcheck!.test.join(' ')).toContain(`127.0.0.1:${api.port}/readyz`);
    expect(services.worker.healthcheck!.test.join(' ')).toContain(`127.0.0.1:${configOf('worker').workerHealthPort}/readyz`);
  });

  it('pins the same escalation policy in the API (which opens incidents) and the worker', () => {
    expect(configOf('api').policies).toEqual(configOf('worker').policies);
  });

  it('restarts every long-running service after a crash, and never re-runs a one-shot set-up job that succeeded', () => {
    // A one-shot job is one another service waits on to complete successfully.
    const oneShot = new Set(
      Object.values(services).flatMap((s) =>
        Object.entries((s.depends_on ?? {}) as Record<string, { condition?: string }>)
          .filter(([, d]) => d.condition === 'service_completed_successfully')
          .map(([name]) => name),
      ),
    );
    expect([...oneShot].sort()).toEqual(['ledger-setup', 'temporal-schema', 'temporal-search-attributes']);
    for (const [name, service] of Object.entries(services)) {
      if (oneShot.has(name)) expect([undefined, 'no', 'on-failure']).toContain(service.restart);
      else expect([name, service.restart]).toEqual([name, expect.stringMatching(/^(unless-stopped|always)$/)]);
    }
  });

  it('registers the search attributes the workflow writes', () => {
    const script = String(services['temporal-search-attributes'].command);
    for (const flag of SEARCH_ATTRIBUTE_FLAGS) expect(script).toContain(flag);
  });

  it('runs entry points that exist, from an image this repository builds and that holds them', () => {
    const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
    for (const name of [...KLAXON, 'ledger-setup']) {
      expect(services[name].build).toBe('.');
      const entry = (services[name].command as string[]).at(-1)!;
      expect(existsSync(join(root, entry))).toBe(true);
      expect(dockerfile).toContain(`COPY ${entry.split('/')[0]} ./${entry.split('/')[0]}`);
    }
  });
});

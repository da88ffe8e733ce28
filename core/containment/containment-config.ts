import { parseDocument } from 'yaml';
import { z } from 'zod';
import { isValidTenant } from '../alerts/alert';
import { ConfigError } from '../shared/config-error';
import { CONTAINMENT_KINDS } from './containment';
import { CONTAINMENT_KEY_MAX_LENGTH, containmentKey } from './containment-key';

/**
 * Which adapter reaches each tenant's control plane (KLAXON_CONTAINMENT_FILE). Secrets stay in
 * the environment: the file names the variables that hold them, and start-up fails naming
 * any that is missing.
 */
export type AdapterConfig =
  /** Vercel Edge Config through the Vercel REST API: items a Next.js middleware reads at the edge. */
  | { adapter: 'edge-config'; edgeConfigId: string; token: string; teamId?: string; apiUrl: string }
  /** The customer's own admin API, signed like Klaxon's webhooks, with an idempotency key. */
  | { adapter: 'webhook'; url: string; secret: string; timeoutMs: number }
  /** A containment table in a database the customer's app reads. */
  | { adapter: 'postgres'; databaseUrl: string; table: string };

export interface ContainmentTargets {
  /** A Map, not an object: a tenant named `constructor` or `toString` must not find Object.prototype's. */
  tenants: ReadonlyMap<string, AdapterConfig>;
  /** Where global throttles go (every tenant's provisioning), if anywhere. */
  global?: AdapterConfig;
  /**
   * The tenants that are sandboxes: the only ones a drill's containment may act on. A scenario
   * names its sandbox, but only the operator's file says which tenant really is one.
   */
  sandboxes?: ReadonlySet<string>;
}

const adapter = z.discriminatedUnion('adapter', [
  z.object({ adapter: z.literal('edge-config'), edgeConfigId: z.string().regex(/^ecfg_\w+$/, 'an Edge Config id starts with ecfg_'), tokenEnv: z.string(), teamId: z.string().optional(), apiUrl: z.string().url().optional() }).strict(),
  z.object({ adapter: z.literal('webhook'), url: z.string().url(), secretEnv: z.string(), timeoutMs: z.number().int().positive().optional() }).strict(),
  z.object({ adapter: z.literal('postgres'), databaseUrlEnv: z.string(), table: z.string().regex(/^[a-z_][a-z0-9_]*$/, 'a plain lower-case table name').optional() }).strict(),
]);
const file = z.object({ tenants: z.record(z.string(), adapter), global: adapter.optional(), sandboxes: z.array(z.string()).max(1000).optional() }).strict();

export const EDGE_CONFIG_API = 'https://api.vercel.com';

export function parseContainmentTargets(text: string, path: string, env: Record<string, string | undefined>): ContainmentTargets {
  const doc = parseDocument(text);
  if (doc.errors.length) throw new ConfigError(`${path}: ${doc.errors[0].message}`);
  const raw: unknown = doc.toJS();
  // Checked before zod, which drops a `__proto__` key silently instead of reporting it.
  const names = typeof raw === 'object' && raw && 'tenants' in raw && typeof raw.tenants === 'object' && raw.tenants ? Object.keys(raw.tenants) : [];
  const badName = names.find((tenant) => !isValidTenant(tenant));
  if (badName !== undefined) throw new ConfigError(`${path}: tenants: "${badName}" is not a tenant name (letters, digits, ".", "_" or "-", at most 128, starting with a letter or digit)`);
  const parsed = file.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(`${path}: ${issue.path.join('.')}: ${issue.message}`);
  }
  const secret = (where: string, name: string): string => {
    const value = env[name];
    if (!value) throw new ConfigError(`${path}: ${where} reads its secret from ${name}, which is not set`);
    return value;
  };
  const resolve = (where: string, a: z.infer<typeof adapter>): AdapterConfig => {
    switch (a.adapter) {
      case 'edge-config':
        return { adapter: a.adapter, edgeConfigId: a.edgeConfigId, token: secret(where, a.tokenEnv), teamId: a.teamId, apiUrl: a.apiUrl ?? EDGE_CONFIG_API };
      case 'webhook':
        return { adapter: a.adapter, url: a.url, secret: secret(where, a.secretEnv), timeoutMs: a.timeoutMs ?? 10_000 };
      case 'postgres':
        return { adapter: a.adapter, databaseUrl: secret(where, a.databaseUrlEnv), table: a.table ?? 'klaxon_containment' };
    }
  };
  // A sandbox without an adapter is a typo: a drill against it would only ever fail.
  const noAdapter = parsed.data.sandboxes?.find((tenant) => !Object.hasOwn(parsed.data.tenants, tenant));
  if (noAdapter !== undefined) throw new ConfigError(`${path}: sandboxes: "${noAdapter.slice(0, 128)}" has no adapter under tenants`);
  const targets: ContainmentTargets = {
    tenants: new Map(Object.entries(parsed.data.tenants).map(([tenant, a]) => [tenant, resolve(`tenant "${tenant}"`, a)])),
    ...(parsed.data.global ? { global: resolve('global', parsed.data.global) } : {}),
    ...(parsed.data.sandboxes?.length ? { sandboxes: new Set(parsed.data.sandboxes) } : {}),
  };
  checkEdgeConfigKeys(targets, path);
  return targets;
}

/**
 * Refuses a configuration in which two tenants (or a tenant and the global throttle) would
 * share an item of one Edge Config, or a tenant's key would not fit Edge Config's length limit:
 * a shared item lets one tenant's undo lift another's containment. containmentKey is
 * injective, so this holds by construction; the check keeps it so should the encoding change.
 */
function checkEdgeConfigKeys(targets: ContainmentTargets, path: string): void {
  const owners = new Map<string, string>();
  const entries: Array<[string, AdapterConfig | undefined]> = [...targets.tenants, ['*', targets.global]];
  for (const [tenant, config] of entries) {
    if (config?.adapter !== 'edge-config') continue;
    const who = tenant === '*' ? 'global' : `tenant "${tenant}"`;
    for (const kind of CONTAINMENT_KINDS) {
      const key = containmentKey(tenant, kind);
      if (key.length > CONTAINMENT_KEY_MAX_LENGTH) throw new ConfigError(`${path}: ${who}: its Edge Config key ${key} is longer than ${CONTAINMENT_KEY_MAX_LENGTH} characters; use a shorter tenant name`);
      const slot = `${config.edgeConfigId}/${key}`;
      const other = owners.get(slot);
      if (other !== undefined && other !== who) throw new ConfigError(`${path}: ${who} and ${other} would share the Edge Config item ${key} of ${config.edgeConfigId}`);
      owners.set(slot, who);
    }
  }
}

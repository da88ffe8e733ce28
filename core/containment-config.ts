import { parseDocument } from 'yaml';
import { z } from 'zod';
import { ConfigError } from './config-error';

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
  tenants: Record<string, AdapterConfig>;
  /** Where global throttles go (every tenant's provisioning), if anywhere. */
  global?: AdapterConfig;
}

const adapter = z.discriminatedUnion('adapter', [
  z.object({ adapter: z.literal('edge-config'), edgeConfigId: z.string().regex(/^ecfg_\w+$/, 'an Edge Config id starts with ecfg_'), tokenEnv: z.string(), teamId: z.string().optional(), apiUrl: z.string().url().optional() }).strict(),
  z.object({ adapter: z.literal('webhook'), url: z.string().url(), secretEnv: z.string(), timeoutMs: z.number().int().positive().optional() }).strict(),
  z.object({ adapter: z.literal('postgres'), databaseUrlEnv: z.string(), table: z.string().regex(/^[a-z_][a-z0-9_]*$/, 'a plain lower-case table name').optional() }).strict(),
]);
const file = z.object({ tenants: z.record(z.string(), adapter), global: adapter.optional() }).strict();

export const EDGE_CONFIG_API = 'https://api.vercel.com';

export function parseContainmentTargets(text: string, path: string, env: Record<string, string | undefined>): ContainmentTargets {
  const doc = parseDocument(text);
  if (doc.errors.length) throw new ConfigError(`${path}: ${doc.errors[0].message}`);
  const parsed = file.safeParse(doc.toJS());
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
  return {
    tenants: Object.fromEntries(Object.entries(parsed.data.tenants).map(([tenant, a]) => [tenant, resolve(`tenant "${tenant}"`, a)])),
    ...(parsed.data.global ? { global: resolve('global', parsed.data.global) } : {}),
  };
}

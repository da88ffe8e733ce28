import { existsSync } from 'node:fs';
import type { TLSConfig } from '@temporalio/common/lib/internal-non-workflow';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import { ConfigError } from '../core/shared/config-error';

/**
 * How Klaxon reaches Temporal, configured the way Temporal's own tools are: the variables and
 * TOML profiles of `@temporalio/envconfig` (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE,
 * TEMPORAL_API_KEY, TEMPORAL_TLS and TEMPORAL_TLS_*, TEMPORAL_CONFIG_FILE, TEMPORAL_PROFILE,
 * TEMPORAL_GRPC_META_*). The worker, the API, the CLI and the embedded stack all connect with
 * it, to a dev server, a self-hosted cluster with mTLS, or Temporal Cloud with an API key or mTLS.
 */
export interface TemporalConnectionSettings {
  address: string;
  namespace: string;
  apiKey?: string;
  /** True: TLS with the system's roots (an API key alone turns it on, as Temporal Cloud needs). */
  tls?: TLSConfig | boolean;
  /** gRPC headers on every call (TEMPORAL_GRPC_META_*). */
  metadata?: GrpcMetadata;
}

type GrpcMetadata = NonNullable<ReturnType<typeof loadClientConnectConfig>['connectionOptions']['metadata']>;

type Env = Record<string, string | undefined>;

/** Pairs that mean nothing alone: envconfig would silently connect without the client certificate. */
const PAIRS: Array<[string, string]> = [
  ['TEMPORAL_TLS_CLIENT_CERT_PATH', 'TEMPORAL_TLS_CLIENT_KEY_PATH'],
  ['TEMPORAL_TLS_CLIENT_CERT_DATA', 'TEMPORAL_TLS_CLIENT_KEY_DATA'],
];

export function temporalConnectionSettings(env: Env): TemporalConnectionSettings {
  const set = (name: string) => Boolean(env[name]);
  for (const [a, b] of PAIRS) {
    if (set(a) !== set(b)) throw new ConfigError(`${set(a) ? a : b} is set without ${set(a) ? b : a}: a client certificate needs its key`);
  }
  // envconfig reads no file it cannot find; a file the operator named must exist.
  if (env.TEMPORAL_CONFIG_FILE && !existsSync(env.TEMPORAL_CONFIG_FILE)) throw new ConfigError(`TEMPORAL_CONFIG_FILE="${env.TEMPORAL_CONFIG_FILE}" does not exist`);
  // Only what envconfig reads: the TEMPORAL_* variables, and where the default profile file lives.
  const overrideEnvVars = Object.fromEntries(
    Object.entries(env).filter((e): e is [string, string] => Boolean(e[1]) && (e[0].startsWith('TEMPORAL_') || ['HOME', 'XDG_CONFIG_HOME', 'APPDATA'].includes(e[0]))),
  );
  let loaded: ReturnType<typeof loadClientConnectConfig>;
  try {
    // A profile file is read only when asked for: a developer's default profile (Temporal Cloud,
    // say) must not redirect a Klaxon that was told nothing about it.
    const fromFile = Boolean(env.TEMPORAL_CONFIG_FILE || env.TEMPORAL_PROFILE);
    loaded = loadClientConnectConfig({ overrideEnvVars, disableFile: !fromFile, ...(env.TEMPORAL_PROFILE ? { profile: env.TEMPORAL_PROFILE } : {}) });
  } catch (err) {
    // A certificate file that cannot be read, a profile not in the file, a malformed file.
    throw new ConfigError(`Temporal connection settings (TEMPORAL_* variables${env.TEMPORAL_CONFIG_FILE ? ` and ${env.TEMPORAL_CONFIG_FILE}` : ''}): ${(err as Error).message}`);
  }
  const o = loaded.connectionOptions;
  return {
    address: o.address || '127.0.0.1:7233',
    namespace: loaded.namespace || 'default',
    ...(o.apiKey ? { apiKey: o.apiKey } : {}),
    ...(o.tls !== undefined && o.tls !== null ? { tls: o.tls } : {}),
    ...(o.metadata && Object.keys(o.metadata).length ? { metadata: o.metadata } : {}),
  };
}

/** The options both the client's Connection and the worker's NativeConnection take. */
export function connectionOptions(s: TemporalConnectionSettings): { address: string; tls?: TLSConfig | boolean; apiKey?: string; metadata?: GrpcMetadata } {
  return { address: s.address, ...(s.tls !== undefined ? { tls: s.tls } : {}), ...(s.apiKey ? { apiKey: s.apiKey } : {}), ...(s.metadata ? { metadata: s.metadata } : {}) };
}

/** A connection to Temporal that failed, its message naming the settings that decide it. */
export class TemporalConnectionError extends Error {
  override readonly name = 'TemporalConnectionError';
}

/** Awaits a connection (the client's or the worker's), failing with the settings named. */
export async function withConnectionHint<T>(s: TemporalConnectionSettings, connecting: Promise<T>): Promise<T> {
  try {
    return await connecting;
  } catch (err) {
    throw new TemporalConnectionError(`${connectionHint(s)}: ${(err as Error).message}`);
  }
}

function connectionHint(s: TemporalConnectionSettings): string {
  const how = s.apiKey ? 'an API key (TEMPORAL_API_KEY)' : s.tls ? 'TLS (TEMPORAL_TLS_CLIENT_CERT_PATH, TEMPORAL_TLS_CLIENT_KEY_PATH, TEMPORAL_TLS_SERVER_CA_CERT_PATH, TEMPORAL_TLS_SERVER_NAME)' : 'plain TCP (set TEMPORAL_TLS=true, TEMPORAL_TLS_CLIENT_CERT_PATH or TEMPORAL_API_KEY for a server that wants TLS)';
  return `cannot connect to Temporal at ${s.address} (TEMPORAL_ADDRESS) with ${how}`;
}

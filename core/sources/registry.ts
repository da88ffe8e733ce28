import { ConfigError } from '../shared/config-error';
import { alertmanagerSource } from './alertmanager';
import { datadogSource } from './datadog';
import { genericSource } from './generic';
import { grafanaSource } from './grafana';
import { nextjsSource } from './nextjs';
import { sentrySource } from './sentry';
import { vercelSource } from './vercel';
import type { AlertSource, SourceSettings } from './source';

/** Every source Klaxon can take alerts from, by the name in `POST /v1/alerts/:source`. */
export const SOURCES: ReadonlyMap<string, AlertSource> = new Map([genericSource, alertmanagerSource, grafanaSource, datadogSource, sentrySource, vercelSource, nextjsSource].map((s) => [s.name, s]));

/** Every variable a source may read its credentials from. */
export const SOURCE_SECRET_VARIABLES = [...new Set([...SOURCES.values()].flatMap((s) => s.secretVariables))];

/** What of Klaxon's configuration (config/environment.ts) the sources read. */
export interface SourcesConfig {
  sources: readonly string[];
  sourceSecrets: Readonly<Record<string, string | undefined>>;
  defaultTenant: string;
}

/**
 * The sources enabled by KLAXON_SOURCES, each checked for its credentials: a source enabled
 * without them stops the API at start with the variable to set, rather than refusing every
 * request later.
 */
export function enabledSources(config: SourcesConfig): { sources: Map<string, AlertSource>; settings: SourceSettings } {
  const sources = new Map<string, AlertSource>();
  for (const name of config.sources) {
    const source = SOURCES.get(name);
    if (!source) throw new ConfigError(`KLAXON_SOURCES names unknown source "${name}"; known: ${[...SOURCES.keys()].join(', ')}`);
    const set = source.secretVariables.filter((v) => config.sourceSecrets[v]);
    const ok = source.requires === 'all' ? set.length === source.secretVariables.length : set.length > 0;
    if (!ok) {
      const missing = source.secretVariables.filter((v) => !config.sourceSecrets[v]);
      throw new ConfigError(`source "${name}" is enabled but ${missing.join(source.requires === 'all' ? ' and ' : ' or ')} is not set`);
    }
    sources.set(name, source);
  }
  return { sources, settings: { secrets: config.sourceSecrets, defaultTenant: config.defaultTenant } };
}

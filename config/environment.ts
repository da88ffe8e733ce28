import { ConfigError } from '../core/shared/config-error';
import { parseContainmentTargets, type ContainmentTargets } from '../core/containment/containment-config';
import { defaultPolicy, parseResponders, type Policy } from '../core/policy/policy';
import { parsePayloadKeys, type PayloadKey } from './payload-keys';
import { temporalConnectionSettings, type TemporalConnectionSettings } from './temporal-connection';
import { checkedPolicyBook, policiesFromText, type PolicyChecks } from './policy-book';
import type { PolicyBook } from '../core/policy/routing';
import { SOURCE_SECRET_VARIABLES } from '../core/sources/registry';

export { ConfigError };
export { withHash } from './policy-book';

/**
 * Klaxon's configuration, read from the environment (secrets never come from files in the
 * repository). Parsing is pure: callers pass `process.env`, tests pass a literal.
 */
export interface KlaxonConfig {
  temporal: TemporalConnectionSettings & { taskQueue: string };
  databaseUrl?: string;
  api: { host: string; port: number };
  /** Sources the API takes alerts from (KLAXON_SOURCES). */
  sources: string[];
  /** Credentials of the sources, by variable name. */
  sourceSecrets: Record<string, string | undefined>;
  defaultTenant: string;
  rulesFile?: string;
  /** KLAXON_POLICY_FILE, re-read while the API runs (client/api/live-configuration.ts); none: the policy of KLAXON_RESPONDERS. */
  policyFile?: string;
  /** How a policy file is checked, at start and at each reload. */
  policyChecks: PolicyChecks;
  /** How often the API looks for a changed policy or rules file (KLAXON_RELOAD_SECONDS). */
  reloadSeconds: number;
  /** Answered in the `x-vercel-verify` header of the Vercel drain route, as Vercel asks. */
  vercelVerify?: string;
  /** When set, `/metrics` (the API's and the worker's) answers only this bearer token (KLAXON_METRICS_TOKEN). */
  metricsToken?: string;
  slack: {
    botToken?: string;
    apiUrl?: string;
    signingSecret?: string;
    /** Channel the incident message is posted to; the paged responder is mentioned in it. */
    channel: string;
  };
  pagerduty: {
    /** Events API v2 routing keys by the service names policies use. */
    routingKeys: Record<string, string>;
    /** host[:port] of the Events API (default events.pagerduty.com). */
    server?: string;
    /** Secrets of the v3 webhook subscription(s) that report acknowledgements and resolutions. */
    webhookSecrets: string[];
  };
  email: { smtpUrl?: string; from: string };
  /** Where Klaxon's API is reachable from outside, for links in notifications. */
  publicUrl?: string;
  /** Where notifications go when no channel credentials are set. */
  outboxDir: string;
  dataDir: string;
  /** The escalation policies and the routes that choose one per alert (tenant, service, severity). */
  policies: PolicyBook;
  /** What the configuration leaves aside and an operator should hear of: printed once at start by the API and the worker. */
  notices: string[];
  /** The adapter that reaches each tenant's control plane for containment. */
  containment: ContainmentTargets;
  /** How often closed incidents' Temporal histories are copied into the ledger's archive. */
  archiveIntervalMinutes: number;
  /** Where the worker answers /healthz, /readyz and /metrics (KLAXON_WORKER_HEALTH_PORT); none when unset. */
  workerHealthPort?: number;
  /** Incidents with no event for this many days may be purged from the ledger (`klaxon audit purge`). */
  retentionDays: number;
  /** The ledger's signing key (ledger/signing.ts): never in the database. */
  ledgerKeyFile: string;
  /** Keys of the Temporal payload codec, newest last (KLAXON_PAYLOAD_KEYS_FILE); none: payloads are plain JSON. */
  payloadKeys: PayloadKey[];
}

/** Every variable Klaxon reads, with what it means (the README's configuration table). */
export const CONFIG_VARIABLES = {
  TEMPORAL_ADDRESS: 'Temporal frontend host:port (default 127.0.0.1:7233; Temporal Cloud: <namespace>.<account>.tmprl.cloud:7233 or the region endpoint for API keys)',
  TEMPORAL_NAMESPACE: 'Temporal namespace (default "default")',
  TEMPORAL_API_KEY: 'API key for Temporal Cloud (turns TLS on)',
  TEMPORAL_TLS: 'true: connect over TLS with the system roots (implied by the TEMPORAL_TLS_* files and an API key)',
  TEMPORAL_TLS_CLIENT_CERT_PATH: 'client certificate for mTLS (PEM), with TEMPORAL_TLS_CLIENT_KEY_PATH',
  TEMPORAL_TLS_CLIENT_KEY_PATH: 'its private key (PEM)',
  TEMPORAL_TLS_SERVER_CA_CERT_PATH: 'CA certificate that signed the server (PEM), when not a public one',
  TEMPORAL_TLS_SERVER_NAME: 'server name to verify, when it differs from the address',
  TEMPORAL_CONFIG_FILE: "Temporal's TOML client profiles, read only when this or TEMPORAL_PROFILE is set (then default ~/.config/temporalio/temporal.toml); variables override the profile",
  TEMPORAL_PROFILE: 'the profile of that file to use (default "default")',
  KLAXON_TASK_QUEUE: 'task queue of the incident workflows (default klaxon-incidents)',
  DATABASE_URL: 'PostgreSQL URL of the audit ledger (the embedded stack serves PGlite when unset)',
  KLAXON_RUNTIME_ROLE: 'scripts/ledger-setup.ts: the role the worker and the API connect as (default klaxon_app)',
  KLAXON_RUNTIME_PASSWORD: 'scripts/ledger-setup.ts: its password (set on every run)',
  HOST: 'address the API binds (default 127.0.0.1)',
  PORT: 'port of the API (default 8080)',
  KLAXON_WORKER_HEALTH_PORT: 'port where the worker answers GET /healthz, /readyz and /metrics (Prometheus: its own metrics and the Temporal SDK\'s), on HOST (none when unset)',
  KLAXON_LOG_LEVEL: 'the least level logged: trace, debug, info (default), warn, error or fatal; JSON lines when standard output is not a terminal',
  KLAXON_METRICS_TOKEN: 'when set, GET /metrics of the API and the worker answers only `Authorization: Bearer <token>` (unset: open; the metrics hold no personal data)',
  KLAXON_SOURCES: 'alert sources the API takes, comma-separated (default generic; also alertmanager, grafana, datadog, sentry, vercel, nextjs)',
  KLAXON_WEBHOOK_SECRET: 'HMAC secret of Klaxon-Signature on POST /v1/alerts/generic, POST /v1/alerts/nextjs and POST /v1/heartbeats/<name>',
  KLAXON_ALERTMANAGER_TOKEN: 'bearer token Alertmanager sends (http_config.authorization)',
  KLAXON_ALERTMANAGER_BASIC_AUTH: 'user:password Alertmanager sends (http_config.basic_auth), instead of a token',
  KLAXON_GRAFANA_TOKEN: 'credentials Grafana sends in its Authorization header (scheme Bearer)',
  KLAXON_GRAFANA_BASIC_AUTH: 'user:password of the Grafana contact point basic auth, instead of a token',
  KLAXON_DATADOG_TOKEN: 'bearer token of the Datadog webhook\'s custom Authorization header',
  KLAXON_VERCEL_SECRET: 'signature secret of the Vercel log drain (x-vercel-signature)',
  KLAXON_VERCEL_VERIFY: 'the x-vercel-verify token Vercel asks the drain endpoint to answer with',
  SENTRY_CLIENT_SECRET: 'client secret of the Sentry internal integration (Sentry-Hook-Signature)',
  KLAXON_RULES_FILE: 'YAML file of classification rules (tenant, service, severity, data categories, surfaces, jurisdictions)',
  KLAXON_DEFAULT_TENANT: 'tenant of alerts that name none, flagged for triage (default unassigned)',
  KLAXON_AUTO_RESOLVE: 'true: a source saying an alert is resolved resolves its incident (default false: recorded only); with a policy file, the default of its policies that do not say autoResolve themselves',
  SLACK_BOT_TOKEN: 'Slack bot token; without it pages go to the outbox folder',
  SLACK_API_URL: 'base URL of the Slack Web API (tests point it at a stand-in)',
  SLACK_SIGNING_SECRET: 'Slack signing secret for POST /v1/slack/interactions',
  KLAXON_SLACK_CHANNEL: 'channel id pages are posted to (default #klaxon-incidents in the outbox)',
  PAGERDUTY_ROUTING_KEYS: 'PagerDuty Events API v2 routing keys by service name, service=key comma-separated (responders name the service)',
  PAGERDUTY_WEBHOOK_SECRETS: 'secret(s) of the PagerDuty v3 webhook subscription, comma-separated while rotating; POST /v1/pagerduty/webhooks answers 503 without',
  PAGERDUTY_EVENTS_HOST: 'host[:port] of the PagerDuty Events API (default events.pagerduty.com; tests point it at a stand-in)',
  SMTP_URL: 'smtp:// or smtps:// URL of the mail server; without it emails are written to the outbox as .eml files',
  KLAXON_EMAIL_FROM: 'sender of notification emails (default klaxon@localhost)',
  KLAXON_ARCHIVE_INTERVAL_MINUTES: 'how often the history archiver\'s Temporal Schedule copies closed incidents\' Temporal histories into the ledger archive, before namespace retention deletes them (default 10)',
  KLAXON_LEDGER_RETENTION_DAYS: 'how long the ledger keeps an incident after its last event before `klaxon audit purge` may remove it (default 365, at least 365)',
  KLAXON_LEDGER_SIGNING_KEY_FILE: 'PEM file of the Ed25519 key that signs ledger anchors and purge records, kept away from the ledger database (default <data dir>/ledger-signing-key, generated by the embedded stack); its public half suffices to verify',
  KLAXON_PAYLOAD_KEYS_FILE: 'file of the AES-256 keys that encrypt everything Klaxon hands Temporal (a payload codec), one keyid=<base64 of 32 bytes> a line, newest last; the worker, the API and the CLI need the same file; required by a policy with keepUnredactedAlerts',
  KLAXON_CONTAINMENT_FILE: 'YAML file naming the containment adapter of each tenant (edge-config, webhook, postgres) and the variables holding their secrets',
  KLAXON_PUBLIC_URL: 'URL where Klaxon\'s API is reachable, for links back from PagerDuty',
  KLAXON_POLICY_FILE: 'YAML escalation policy, or several with routes by tenant/service/severity (see examples/); replaces KLAXON_RESPONDERS and KLAXON_ESCALATION_MINUTES',
  KLAXON_RELOAD_SECONDS: 'how often the API re-reads KLAXON_POLICY_FILE and KLAXON_RULES_FILE and applies a changed one (default 5; SIGHUP re-reads at once); new incidents get the new policy, open ones keep theirs',
  KLAXON_RESPONDERS: 'on-call ladder, name:SlackUserId:Zone[:role+role], comma-separated, level 1 first (roles: approver, incident-commander, dpo, legal…)',
  KLAXON_ESCALATION_MINUTES: 'minutes each level waits for an acknowledgement (default 5)',
  KLAXON_API_URL: 'URL of the API the CLI talks to (`klaxon alert test`, and every change under a personal token); default: the running embedded stack\'s (.data/stack.json), else http://127.0.0.1:$PORT',
  KLAXON_TOKEN: 'the CLI: your personal API token (else the one klaxon login kept): changes go through the API as its responder, no --as',
  KLAXON_PRODUCTION: 'true: a production start (docker-compose.yml): the ledger database and every channel responders are reached on must be configured, no outbox',
  KLAXON_DATA_DIR: 'embedded stack state: Temporal database, ledger, outbox, secret (default .data)',
  KLAXON_OUTBOX_DIR: 'where notifications go without channel credentials (default <data dir>/outbox)',
} as const;


type Env = Record<string, string | undefined>;

function positiveNumber(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new ConfigError(`${name}="${raw}" is not a positive number`);
  return n;
}

/** The built-in ladder over KLAXON_RESPONDERS, when no policy file is given. */
function policyFromVariables(env: Env): Policy {
  try {
    return defaultPolicy(parseResponders(env.KLAXON_RESPONDERS || DEFAULT_RESPONDERS), positiveNumber(env, 'KLAXON_ESCALATION_MINUTES', 5), {
      autoResolve: booleanVariable(env, 'KLAXON_AUTO_RESOLVE'),
    });
  } catch (err) {
    throw new ConfigError(`KLAXON_RESPONDERS: ${(err as Error).message}`);
  }
}

function tcpPort(env: Env, name: string, fallback?: number): number {
  const port = positiveNumber(env, name, fallback ?? 0);
  if (!Number.isInteger(port) || port > 65535) throw new ConfigError(`${name}="${env[name]}" is not a TCP port`);
  return port;
}

/** A year at least: SOC 2 Type II looks back over the audit period, ISO 27001 over the certification cycle. */
function retentionDays(env: Env): number {
  const days = positiveNumber(env, 'KLAXON_LEDGER_RETENTION_DAYS', 365);
  if (days < 365) throw new ConfigError(`KLAXON_LEDGER_RETENTION_DAYS="${env.KLAXON_LEDGER_RETENTION_DAYS}": the ledger keeps incidents at least 365 days`);
  return days;
}

/** The text of a file a variable names, or a ConfigError naming the variable. */
function fileOf(variable: string, path: string, readText: ((path: string) => string) | undefined): string {
  if (!readText) throw new ConfigError(`${variable} is set, but this command reads no such file`);
  try {
    return readText(path);
  } catch (err) {
    throw new ConfigError(`${variable}=${path}: ${(err as Error).message}`);
  }
}

function booleanVariable(env: Env, name: string): boolean {
  const raw = (env[name] ?? '').toLowerCase();
  if (raw === '' || raw === 'false' || raw === '0') return false;
  if (raw === 'true' || raw === '1') return true;
  throw new ConfigError(`${name}="${env[name]}" is not true or false`);
}

/** `ops=R0123…,security=R0456…`: routing keys by service name. */
function routingKeys(spec: string | undefined): Record<string, string> {
  const entries = (spec ?? '').split(',').map((e) => e.trim()).filter(Boolean).map((entry) => {
    const [service, key] = entry.split('=').map((x) => x.trim());
    if (!service || !key) throw new ConfigError(`PAGERDUTY_ROUTING_KEYS: "${entry.replace(/=.*/, '=…')}" is not service=routing-key`);
    return [service, key] as const;
  });
  // fromEntries defines own properties: a service "__proto__" is a name, not the object's prototype.
  return Object.fromEntries(entries);
}

/** How the policies are checked, at start and at each reload: the same variables, read once. */
function policyChecks(env: Env, payloadKeys: PayloadKey[]): PolicyChecks {
  return {
    ...(env.KLAXON_AUTO_RESOLVE ? { autoResolve: booleanVariable(env, 'KLAXON_AUTO_RESOLVE') } : {}),
    payloadKeys: payloadKeys.length > 0,
    ...(booleanVariable(env, 'KLAXON_PRODUCTION') ? { production: env } : {}),
  };
}

/** Placeholder on-call pair so the embedded stack works before anyone is configured. */
// Roles that let a newcomer walk containment's two-person rule on the embedded stack: one
// requests (or, as incident commander, overrides), the other approves.
const DEFAULT_RESPONDERS = 'primary:U0PRIMARY:UTC:incident-commander,secondary:U0SECONDARY:UTC:approver';

/**
 * Reads the configuration. `readText` reads the files it names (KLAXON_POLICY_FILE); core does
 * no I/O itself, so the processes that may be given files pass `readFileSync`.
 */
export function loadConfig(env: Env, readText?: (path: string) => string): KlaxonConfig {
  const dataDir = env.KLAXON_DATA_DIR || '.data';
  const port = tcpPort(env, 'PORT', 8080);
  const payloadKeys = env.KLAXON_PAYLOAD_KEYS_FILE ? parsePayloadKeys(fileOf('KLAXON_PAYLOAD_KEYS_FILE', env.KLAXON_PAYLOAD_KEYS_FILE, readText), env.KLAXON_PAYLOAD_KEYS_FILE) : [];
  const checks = policyChecks(env, payloadKeys);
  const policyFile = env.KLAXON_POLICY_FILE || undefined;
  const { book, notices } = policyFile
    ? policiesFromText(fileOf('KLAXON_POLICY_FILE', policyFile, readText), policyFile, checks)
    : { book: checkedPolicyBook({ policies: [policyFromVariables(env)], routes: [] }, checks), notices: [] };
  const channel = env.KLAXON_SLACK_CHANNEL || '#klaxon-incidents';
  // A retried page looks for its earlier message with conversations.history, which takes ids only.
  if (env.SLACK_BOT_TOKEN && !/^[CGD][A-Z0-9]+$/.test(channel)) {
    throw new ConfigError(`KLAXON_SLACK_CHANNEL="${channel}" must be a Slack channel id (C…) when SLACK_BOT_TOKEN is set`);
  }
  return {
    temporal: { ...temporalConnectionSettings(env), taskQueue: env.KLAXON_TASK_QUEUE || 'klaxon-incidents' },
    databaseUrl: env.DATABASE_URL || undefined,
    api: { host: env.HOST || '127.0.0.1', port },
    sources: (env.KLAXON_SOURCES || 'generic').split(',').map((s) => s.trim()).filter(Boolean),
    sourceSecrets: Object.fromEntries(SOURCE_SECRET_VARIABLES.map((name) => [name, env[name] || undefined])),
    defaultTenant: env.KLAXON_DEFAULT_TENANT || 'unassigned',
    rulesFile: env.KLAXON_RULES_FILE || undefined,
    vercelVerify: env.KLAXON_VERCEL_VERIFY || undefined,
    metricsToken: env.KLAXON_METRICS_TOKEN || undefined,
    slack: {
      botToken: env.SLACK_BOT_TOKEN || undefined,
      apiUrl: env.SLACK_API_URL || undefined,
      signingSecret: env.SLACK_SIGNING_SECRET || undefined,
      channel,
    },
    pagerduty: {
      routingKeys: routingKeys(env.PAGERDUTY_ROUTING_KEYS),
      server: env.PAGERDUTY_EVENTS_HOST || undefined,
      webhookSecrets: (env.PAGERDUTY_WEBHOOK_SECRETS ?? '').split(',').map((x) => x.trim()).filter(Boolean),
    },
    email: { smtpUrl: env.SMTP_URL || undefined, from: env.KLAXON_EMAIL_FROM || 'klaxon@localhost' },
    publicUrl: env.KLAXON_PUBLIC_URL || undefined,
    outboxDir: env.KLAXON_OUTBOX_DIR || `${dataDir}/outbox`,
    dataDir,
    policyFile,
    policies: book,
    policyChecks: checks,
    notices,
    reloadSeconds: positiveNumber(env, 'KLAXON_RELOAD_SECONDS', 5),
    archiveIntervalMinutes: positiveNumber(env, 'KLAXON_ARCHIVE_INTERVAL_MINUTES', 10),
    ...(env.KLAXON_WORKER_HEALTH_PORT ? { workerHealthPort: tcpPort(env, 'KLAXON_WORKER_HEALTH_PORT') } : {}),
    retentionDays: retentionDays(env),
    ledgerKeyFile: env.KLAXON_LEDGER_SIGNING_KEY_FILE || `${dataDir}/ledger-signing-key`,
    payloadKeys,
    containment: env.KLAXON_CONTAINMENT_FILE
      ? parseContainmentTargets(fileOf('KLAXON_CONTAINMENT_FILE', env.KLAXON_CONTAINMENT_FILE, readText), env.KLAXON_CONTAINMENT_FILE, env)
      : { tenants: new Map() },
  };
}

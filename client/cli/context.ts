import { readFileSync } from 'node:fs';
import type { Client } from '@temporalio/client';
import type { Pool } from 'pg';
import { loadConfig, type KlaxonConfig } from '../../config/environment';
import { readerZone } from '../../core/shared/time-format';
import { openDatabase } from '../../ledger/database';
import { connectIncidents } from '../connect';
import type { Incidents } from '../incidents';
import type { ResponderRef } from '../../core/incident/actor';
import { changeArgument } from '../api/incident-changes';
import type { UpdateName, UpdateResult } from '../../workflows/messages';
import { ApiClient } from './api-client';
import { readCredentials } from './credentials';
import { SetupError, UsageError } from './errors';
import { howToStart, requireReachable, shown } from './reachability';

/** Runs `use` on the ledger database at `url`, said to be down at once if it is; closed after. */
async function openLedger<T>(url: string, env: NodeJS.ProcessEnv, use: (db: Pool) => Promise<T>): Promise<T> {
  await requireReachable({ what: 'the ledger database', address: url, variable: 'DATABASE_URL' }, env);
  const db = openDatabase(url, { max: 2 });
  try {
    return await use(db);
  } finally {
    await db.end();
  }
}

/** The CLI gives Temporal this long to answer once its port takes connections (the SDK's default is 10 s). */
const TEMPORAL_CONNECT_MS = 5_000;

/**
 * What a command runs with: the environment, how to print, and the parts of the stack it
 * needs, each reached only when the command asks for it (so `klaxon policy validate` needs
 * no Temporal, and a refusal comes before anything connects).
 */
export class CliContext {
  #config?: KlaxonConfig;

  constructor(
    readonly env: NodeJS.ProcessEnv,
    readonly json: boolean,
    private readonly tz: string | undefined,
  ) {}

  /** The reader's zone: --tz, else TZ, else the system's. */
  zone(): string {
    return readerZone(this.tz, Intl.DateTimeFormat().resolvedOptions().timeZone);
  }

  /** `data` as JSON with --json, else the text `human` writes. */
  print(data: unknown, human: () => string): string {
    return this.json ? JSON.stringify(data, null, 2) : human();
  }

  /** The configuration, read from the environment the first time a command needs it. */
  config(): KlaxonConfig {
    this.#config ??= loadConfig(this.env, (path) => readFileSync(path, 'utf8'));
    return this.#config;
  }

  /** The person's own API client: KLAXON_TOKEN (at KLAXON_API_URL), else what `klaxon login` saved; none on the embedded stack's way. */
  api(): ApiClient | undefined {
    if (this.env.KLAXON_TOKEN) return new ApiClient(this.env.KLAXON_API_URL!, this.env.KLAXON_TOKEN);
    const saved = readCredentials(this.env);
    return saved && new ApiClient(saved.apiUrl, saved.token);
  }

  /**
   * A change to an incident (a change of the workflow's catalogue, its body as the API takes it).
   * Under a personal token it goes through Klaxon's API, as the responder the token is bound to:
   * no Temporal or database credentials, and no --as. Without one, --as names who acts, straight
   * to Temporal: the embedded stack's way, open only to whoever holds Temporal's credentials
   * (in production, the worker and the API alone). The body is checked the same way on both.
   */
  async change<N extends UpdateName>(name: N, id: string, body: object, as: string | undefined): Promise<UpdateResult<N>> {
    return this.acting(as, (api) => api.change(name, id, body), ({ incidents }, by) => incidents.change(name, id, changeArgument(name, body, by, this.config().policies)));
  }

  /** A change made as a person: through the API under a personal token, else straight to Temporal as --as (see `change`; reviews use it too). */
  async acting<T>(as: string | undefined, viaApi: (api: ApiClient) => Promise<T>, direct: (temporal: { incidents: Incidents; client: Client }, by: ResponderRef) => Promise<T>): Promise<T> {
    const api = this.api();
    if (api) {
      if (as !== undefined) throw new UsageError('--as is for the embedded stack: under a personal token you act as its responder (unset KLAXON_AS, or KLAXON_TOKEN and klaxon logout)');
      return viaApi(api);
    }
    if (as === undefined) throw new UsageError('who acts? --as <responder> (or KLAXON_AS) on the embedded stack, or a personal token: klaxon login, or KLAXON_TOKEN');
    return this.withTemporal((temporal) => direct(temporal, { responder: as, via: 'cli' }));
  }

  /**
   * A read: through Klaxon's API under a personal token (its scopes and tenants decide what it
   * sees, and reads of audit data are themselves audited), else straight from Temporal and the
   * ledger, for whoever holds their credentials (the embedded stack, an operator).
   */
  read<T>(viaApi: (api: ApiClient) => Promise<T>, direct: () => Promise<T>): Promise<T> {
    const api = this.api();
    return api ? viaApi(api) : direct();
  }

  /** Runs `use` on the ledger database (DATABASE_URL, or the running embedded stack's), closed after. */
  async withLedger<T>(purpose: string, use: (db: Pool) => Promise<T>): Promise<T> {
    const url = this.config().databaseUrl;
    if (!url) throw new SetupError(`${purpose} in the ledger database, and DATABASE_URL is not set (no embedded stack is running).\n${howToStart(this.env, 'set DATABASE_URL to the ledger\'s PostgreSQL')}`);
    return openLedger(url, this.env, use);
  }

  /** The ledger database when one is configured, else undefined: for what reads it only if it can. */
  async withOptionalLedger<T>(use: (db: Pool | undefined) => Promise<T>): Promise<T> {
    const url = this.config().databaseUrl;
    return url ? openLedger(url, this.env, use) : use(undefined);
  }

  /** Runs `use` with the incidents facade and the Temporal client, the connection closed after. */
  async withTemporal<T>(use: (temporal: { incidents: Incidents; client: Client }) => Promise<T>): Promise<T> {
    const config = this.config();
    const address = config.temporal.address;
    await requireReachable({ what: 'Temporal', address, variable: 'TEMPORAL_ADDRESS' }, this.env);
    const { incidents, client, connection } = await connectIncidents(config, { connectTimeoutMs: TEMPORAL_CONNECT_MS }).catch((err: Error) => {
      throw new Error(`Temporal at ${shown(address)} does not answer: ${err.message}`);
    });
    try {
      return await use({ incidents, client });
    } finally {
      await connection.close();
    }
  }
}

import type { UpdateName, UpdateResult } from '../../workflows/messages';
import type { ApiToken } from '../../ledger/api-tokens';

/** The API refused: its status and its message, which the CLI prints as they are. */
export class ApiRefusal extends Error {
  override readonly name = 'ApiRefusal';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The CLI as a client of Klaxon's own API (like `gh` or `kubectl`): a person acts under their
 * personal token, as the responder it is bound to, with no Temporal or database credentials.
 */
export class ApiClient {
  constructor(
    private readonly apiUrl: string,
    private readonly token: string,
  ) {}

  /** Who the token is: its name, scopes, responder, tenants, expiry. */
  me(): Promise<ApiToken> {
    return this.call('GET', '/v1/me');
  }

  /** A change of the workflow's catalogue, its body without `by` (client/api/incident-changes.ts). */
  change<N extends UpdateName>(name: N, incidentId: string, body: object): Promise<UpdateResult<N>> {
    return this.call('POST', `/v1/incidents/${encodeURIComponent(incidentId)}/${name}`, body);
  }

  private async call<T>(method: string, path: string, body?: object): Promise<T> {
    let res: Response;
    try {
      res = await fetch(new URL(path, this.apiUrl), {
        method,
        headers: { authorization: `Bearer ${this.token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(30_000),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
      throw new ApiRefusal(0, `cannot reach Klaxon's API at ${this.apiUrl} (KLAXON_API_URL): ${cause}`);
    }
    const text = await res.text();
    const parsed = (() => {
      try {
        return JSON.parse(text) as Record<string, unknown>;
      } catch {
        return undefined;
      }
    })();
    if (!parsed) throw new ApiRefusal(res.status, `${this.apiUrl} (KLAXON_API_URL) answered ${res.status} with something other than Klaxon's JSON: is it Klaxon's API?`);
    if (!res.ok) throw new ApiRefusal(res.status, `${res.status}: ${String(parsed.error ?? 'refused')}`);
    return parsed as T;
  }
}

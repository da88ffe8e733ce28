import type { UpdateName, UpdateResult } from '../../workflows/messages';
import type { ApiToken } from '../../ledger/api-tokens';
import type { IncidentState } from '../../core/incident/incident';
import type { ClocksView } from '../../core/regulation/clock-view';
import type { LedgerEvent } from '../../ledger/event';
import type { EvidenceFormat } from '../evidence';
import type { RunHistory } from '../incident-history';
import type { IncidentSummary } from '../incidents';
import type { DrillScheduleRequest, DrillScheduleView } from '../drill-schedules';
import type { ReviewAction, ReviewState } from '../../core/reviews/review';
import type { ReviewSummary } from '../reviews';
import type { CoverageReport } from '../coverage';

/** `klaxon incidents list`'s filter as GET /v1/incidents takes it (client/api/compliance-query.ts). */
export interface ListQuery {
  all?: boolean;
  status?: string[];
  severity?: string[];
  tenant?: string;
  category?: string;
  jurisdiction?: string;
  since?: Date;
  until?: Date;
  deadlineWithinMs?: number;
}

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
    readonly apiUrl: string,
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

  /** Incidents the token may see, by GET /v1/incidents with the filter as its query. */
  async incidents(filter: ListQuery): Promise<IncidentSummary[]> {
    const q = new URLSearchParams();
    if (filter.all) q.set('all', 'true');
    for (const s of filter.status ?? []) q.append('status', s);
    for (const s of filter.severity ?? []) q.append('severity', s);
    for (const name of ['tenant', 'category', 'jurisdiction'] as const) if (filter[name] !== undefined) q.set(name, filter[name]!);
    if (filter.since) q.set('since', filter.since.toISOString());
    if (filter.until) q.set('until', filter.until.toISOString());
    // The route takes hours with up to six decimals: 90m is 1.5.
    if (filter.deadlineWithinMs !== undefined) q.set('deadlineWithinHours', String(Number((filter.deadlineWithinMs / 3_600_000).toFixed(6))));
    return (await this.call<{ incidents: IncidentSummary[] }>('GET', `/v1/incidents?${q}`)).incidents;
  }

  /** One incident's state and its legal clocks, shown also in `zone` (incidents:read). */
  incident(id: string, zone: string): Promise<{ incident: IncidentState; clocks: ClocksView }> {
    return this.call('GET', `/v1/incidents/${encodeURIComponent(id)}?${new URLSearchParams({ tz: zone })}`);
  }

  /** Its ledger timeline (audit:read; the read is itself audited). */
  async timeline(id: string): Promise<LedgerEvent[]> {
    return (await this.call<{ events: LedgerEvent[] }>('GET', `/v1/incidents/${encodeURIComponent(id)}/timeline`)).events;
  }

  /** Every run's Temporal history, from Temporal or the ledger's archive (audit:read). */
  history(id: string): Promise<{ incidentId: string; runs: RunHistory[] }> {
    return this.call('GET', `/v1/incidents/${encodeURIComponent(id)}/history`);
  }

  /** An incident's evidence pack, or a period's response times, rendered by the API in `format` (audit:read). */
  evidence(format: EvidenceFormat, of: { incidentId: string } | { since: Date; until: Date }): Promise<string> {
    const path = 'incidentId' in of ? `/v1/incidents/${encodeURIComponent(of.incidentId)}/evidence` : '/v1/evidence';
    const q = new URLSearchParams({ ...('since' in of ? { since: of.since.toISOString(), until: of.until.toISOString() } : {}), format });
    return this.call('GET', `${path}?${q}`, undefined, 'text');
  }

  /** The coverage gaps of the policies the token may read, over the next `days` (incidents:read). */
  coverage(days: number, policy: string | undefined): Promise<CoverageReport> {
    return this.call('GET', `/v1/coverage?${new URLSearchParams({ days: String(days), ...(policy !== undefined ? { policy } : {}) })}`);
  }

  /** Starts a drill of the scenario's YAML under `policy` (incidents:write), as the token's responder. */
  startDrill(policy: string, scenario: string): Promise<{ drillId: string; policy: string }> {
    return this.call('POST', '/v1/drills', { policy, scenario });
  }

  /** The drills the token may see (GET /v1/drills), as incident summaries of their drill ids. */
  async drills(): Promise<IncidentSummary[]> {
    const { drills } = await this.call<{ drills: Array<Omit<IncidentSummary, 'incidentId'> & { drillId: string }> }>('GET', '/v1/drills');
    return drills.map(({ drillId, ...rest }) => ({ incidentId: drillId, ...rest }));
  }

  /** A drill's report, or the drills of a year, rendered by the API in `format` (audit:read). */
  drillReport(format: EvidenceFormat, of: { drillId: string } | { year: number }): Promise<string> {
    const path = 'drillId' in of ? `/v1/drills/${encodeURIComponent(of.drillId)}/report` : `/v1/drills/year/${of.year}`;
    return this.call('GET', `${path}?${new URLSearchParams({ format })}`, undefined, 'text');
  }

  /** Makes a drill schedule (incidents:write). */
  createDrillSchedule(req: DrillScheduleRequest): Promise<DrillScheduleView> {
    return this.call('POST', '/v1/drill-schedules', req);
  }

  async drillSchedules(): Promise<DrillScheduleView[]> {
    return (await this.call<{ schedules: DrillScheduleView[] }>('GET', '/v1/drill-schedules')).schedules;
  }

  /** Pauses, unpauses or deletes a drill schedule (incidents:write). */
  changeDrillSchedule(name: string, change: 'pause' | 'unpause' | 'delete'): Promise<DrillScheduleView | { deleted: string }> {
    const path = `/v1/drill-schedules/${encodeURIComponent(name)}`;
    return change === 'delete' ? this.call('DELETE', path) : this.call('POST', `${path}/${change}`);
  }

  /** A post-incident review (incidents:read), and its changes as the token's responder (incidents:write): client/api/reviews.ts. */
  async review(id: string): Promise<ReviewState> {
    return (await this.call<{ review: ReviewState }>('GET', `/v1/incidents/${encodeURIComponent(id)}/review`)).review;
  }

  async submitReview(id: string, findings: object): Promise<ReviewState> {
    return (await this.call<{ review: ReviewState }>('PUT', `/v1/incidents/${encodeURIComponent(id)}/review`, findings)).review;
  }

  async reviewAction(id: string, n: number | undefined, body: object): Promise<ReviewAction> {
    const path = `/v1/incidents/${encodeURIComponent(id)}/review/actions${n === undefined ? '' : `/${n}`}`;
    return (await this.call<{ action: ReviewAction }>('POST', path, body)).action;
  }

  /** The open reviews of the token's tenants (`late`: past due; `overdue`: with an action past its due date). */
  async reviews(filter: { late?: boolean; overdue?: boolean }): Promise<ReviewSummary[]> {
    const q = new URLSearchParams({ ...(filter.late ? { late: 'true' } : {}), ...(filter.overdue ? { overdue: 'true' } : {}) });
    return (await this.call<{ reviews: ReviewSummary[] }>('GET', `/v1/reviews?${q}`)).reviews;
  }

  /** The on-call routes (client/api/oncall.ts): who is on call, run-time overrides and swaps, feed links. */
  onCall<T>(method: 'GET' | 'POST', path: `/v1/oncall${string}`, body?: object): Promise<T> {
    return this.call(method, path, body);
  }

  /** The maintenance routes (client/api/maintenance.ts): open, list and end windows. */
  maintenance<T>(method: 'GET' | 'POST', path: `/v1/maintenance${string}`, body?: object): Promise<T> {
    return this.call(method, path, body);
  }

  private async call<T>(method: string, path: string, body?: object, as: 'json' | 'text' = 'json'): Promise<T> {
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
    if (as === 'text' && res.ok) return text as T;
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

import type { IncomingMessage } from 'node:http';
import type { PolicyBook } from '../../core/policy/routing';
import { draftMarkdown, notificationDraft } from '../../core/regulation/drafts';
import type { ObligationClock } from '../../core/regulation/legal-clocks';
import { obligationById } from '../../core/regulation/regimes';
import type { IncidentState } from '../../core/incident/incident';
import { IncidentClosedError, IncidentNotFoundError, type Incidents } from '../incidents';
import { authorize, hideOtherTenants } from './authorization';
import type { ComplianceDeps } from './compliance';
import { deadlinesQuery, draftsQuery } from './compliance-query';
import { attachment, HttpError, TextBody } from './http';
import { answeringRefusals } from './incident-errors';

type Answer = Promise<{ status: number; body: unknown }>;

/**
 * `GET /v1/incidents/:id/drafts[?obligation=…&format=md]`: the notification draft of each of
 * the incident's legal clocks, every item the regime requires, filled where Klaxon knows it and
 * marked where a person must write it; redacted like every page. The DPO's contact comes from
 * the policy the incident pinned, as the API's policies name it.
 */
export async function incidentDraftsRoute(req: IncomingMessage, deps: ComplianceDeps, incidents: Incidents, policies: PolicyBook, id: string, now: Date): Answer {
  hideOtherTenants(await authorize(req, deps, 'incidents:read'), id);
  const { obligation, format } = draftsQuery(req);
  const state = await answeringRefusals(() => incidents.state(id));
  const policy = policies.policies.find((p) => p.name === state.policyName);
  const drafts = (state.clocks ?? []).filter((c) => !obligation || c.obligation === obligation).map((c) => notificationDraft(obligationById(c.obligation), state, policy, now.toISOString()));
  if (obligation && drafts.length === 0) throw new HttpError(404, `incident ${id} keeps no ${obligation} clock`);
  if (format === 'md') {
    return { status: 200, body: new TextBody(draftMarkdown(drafts[0]), 'text/markdown; charset=utf-8', attachment(`${id}-${obligation}-draft.md`)) };
  }
  return { status: 200, body: { drafts } };
}

/** One deadline owed, as the compliance overview lists it. */
export interface OwedDeadline {
  incidentId: string;
  severity: string;
  tenant: string;
  status: string;
  obligation: string;
  regime: string;
  title: string;
  recipient: string;
  dueAt: string;
  overdue: boolean;
}

/** Incidents whose clocks one overview reads at most: the soonest deadlines first, so what is left out is what is due last. */
export const MAX_DEADLINE_INCIDENTS = 300;
/** Incidents listed at most from visibility to find the soonest (ids and nearest deadlines only). */
const MAX_LISTED = 5000;
/** Incident states read at once. */
const READS_AT_ONCE = 8;
/** One overview serves every request for the same tenants and window this long: each costs a query per incident to the worker. */
const SHARED_FOR_MS = 5_000;

/** What is still owed of a clock and when: the filing, or the follow-up of a partial one. */
function owedBy(clock: ObligationClock): string | undefined {
  if (clock.status === 'open' || clock.status === 'overdue') return clock.dueAt;
  if (clock.status === 'partial') return clock.followUpDueAt;
  return undefined;
}

function deadlinesOf(state: IncidentState, until: number, now: number): OwedDeadline[] {
  return (state.clocks ?? []).flatMap((clock) => {
    const due = owedBy(clock);
    if (!due || Date.parse(due) > until) return [];
    const o = obligationById(clock.obligation);
    return [{ incidentId: state.incidentId, severity: state.severity, tenant: state.tenant, status: state.status, obligation: o.id, regime: o.regime, title: o.title, recipient: o.recipient, dueAt: due, overdue: Date.parse(due) <= now }];
  });
}

interface Overview {
  withinHours: number;
  deadlines: OwedDeadline[];
  truncated?: string;
}

/**
 * Every legal deadline still owed within a window across open incidents. Visibility finds the
 * incidents whose nearest deadline falls in the window, and the soonest MAX_DEADLINE_INCIDENTS
 * are read (a query each): the overdue and the nearest are never the ones left out. An incident
 * that cannot be read fails the overview (503) rather than vanish from it: "nothing due" must
 * never stand for "could not look". Requests for the same tenants and window share one reading
 * for SHARED_FOR_MS, so open consoles polling it do not multiply the worker's queries.
 */
export class DeadlinesOverview {
  private readonly shared = new Map<string, { at: number; reading: Promise<Overview> }>();

  constructor(
    private readonly incidents: Incidents,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  read(tenants: string[] | undefined, withinHours: number): Promise<Overview> {
    const key = JSON.stringify([tenants ?? null, withinHours]);
    const now = this.clock().getTime();
    for (const [k, v] of this.shared) if (now - v.at > SHARED_FOR_MS) this.shared.delete(k);
    const kept = this.shared.get(key);
    if (kept) return kept.reading;
    const reading = this.compute(tenants, withinHours, now);
    this.shared.set(key, { at: now, reading });
    reading.catch(() => this.shared.delete(key));
    return reading;
  }

  private async compute(tenants: string[] | undefined, withinHours: number, now: number): Promise<Overview> {
    const until = now + withinHours * 3_600_000;
    const listed = await this.incidents.list({ openOnly: true, deadlineBefore: new Date(until), ...(tenants ? { tenants } : {}) }, MAX_LISTED);
    const due = (s: { nextDeadline?: string }) => (s.nextDeadline ? Date.parse(s.nextDeadline) : Number.POSITIVE_INFINITY);
    const soonest = listed.sort((a, b) => due(a) - due(b)).slice(0, MAX_DEADLINE_INCIDENTS);
    const deadlines: OwedDeadline[] = [];
    for (let i = 0; i < soonest.length; i += READS_AT_ONCE) {
      const states = await Promise.all(soonest.slice(i, i + READS_AT_ONCE).map((s) => this.stateOf(s.incidentId)));
      for (const state of states) if (state && state.status !== 'resolved') deadlines.push(...deadlinesOf(state, until, now));
    }
    deadlines.sort((a, b) => Number(b.overdue) - Number(a.overdue) || Date.parse(a.dueAt) - Date.parse(b.dueAt));
    const left = listed.length - soonest.length;
    return { withinHours, deadlines, ...(left > 0 || listed.length >= MAX_LISTED ? { truncated: `the deadlines of the ${soonest.length} incidents due soonest are shown; ${left > 0 ? `${left}` : 'more'} incidents with later deadlines in the window are not` } : {}) };
  }

  /** An incident that closed since it was listed owes nothing any more; any other failure fails the overview. */
  private async stateOf(incidentId: string): Promise<IncidentState | undefined> {
    try {
      return await this.incidents.state(incidentId);
    } catch (err) {
      if (err instanceof IncidentNotFoundError || err instanceof IncidentClosedError) return undefined;
      throw new HttpError(503, `the legal clocks of incident ${incidentId} could not be read (is a worker running?): the overview is not complete, so none is given`);
    }
  }
}

/** `GET /v1/deadlines?withinHours=72`: every legal deadline owed within the window across open incidents (a token's tenants only), overdue first, then the soonest. */
export async function deadlinesRoute(req: IncomingMessage, deps: ComplianceDeps, overview: DeadlinesOverview): Answer {
  const token = await authorize(req, deps, 'incidents:read');
  const { withinHours } = deadlinesQuery(req);
  return { status: 200, body: await overview.read(token.tenants, withinHours) };
}

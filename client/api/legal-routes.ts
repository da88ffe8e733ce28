import type { IncomingMessage } from 'node:http';
import type { PolicyBook } from '../../core/policy/routing';
import { draftMarkdown, notificationDraft } from '../../core/regulation/drafts';
import type { ObligationClock } from '../../core/regulation/legal-clocks';
import { obligationById } from '../../core/regulation/regimes';
import type { IncidentState } from '../../core/incident/incident';
import type { Incidents } from '../incidents';
import { authorize, hideOtherTenants, withinTenants } from './authorization';
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

/** Incidents read at most per overview: past it the answer says it is truncated. */
export const MAX_DEADLINE_INCIDENTS = 300;
/** Incident states read at once. */
const READS_AT_ONCE = 8;

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

/**
 * `GET /v1/deadlines?withinHours=72`: every legal deadline still owed within the window across
 * open incidents (a token's tenants only), overdue first, then the soonest. Visibility finds the
 * incidents whose nearest deadline falls in the window; each one's clocks are read from it.
 */
export async function deadlinesRoute(req: IncomingMessage, deps: ComplianceDeps, incidents: Incidents, now: Date): Answer {
  const token = await authorize(req, deps, 'incidents:read');
  const { withinHours } = deadlinesQuery(req);
  const until = now.getTime() + withinHours * 3_600_000;
  const found = await incidents.list(withinTenants(token, { openOnly: true, deadlineBefore: new Date(until) }), MAX_DEADLINE_INCIDENTS);
  const deadlines: OwedDeadline[] = [];
  for (let i = 0; i < found.length; i += READS_AT_ONCE) {
    // An incident that closed since it was listed has nothing owed any more.
    const states = await Promise.all(found.slice(i, i + READS_AT_ONCE).map((s) => incidents.state(s.incidentId).catch(() => undefined)));
    for (const state of states) if (state && state.status !== 'resolved') deadlines.push(...deadlinesOf(state, until, now.getTime()));
  }
  deadlines.sort((a, b) => Number(b.overdue) - Number(a.overdue) || Date.parse(a.dueAt) - Date.parse(b.dueAt));
  return { status: 200, body: { withinHours, deadlines, ...(found.length >= MAX_DEADLINE_INCIDENTS ? { truncated: `only the ${MAX_DEADLINE_INCIDENTS} newest incidents with a deadline in the window were read` } : {}) } };
}

import type { MinimalLine } from './count';
import type { connectIncidents } from '../../client/connect';

/** What a case's people act through: Klaxon's own client, as the CLI and API use it. */
export type Connected = Awaited<ReturnType<typeof connectIncidents>>;
export type IncidentsClient = Connected['incidents'];

/**
 * The incidents bench/actions-per-incident.ts runs, each with the fewest actions a design
 * could use while still meeting the product's rules (durable, every step audited, listable by
 * status, containment verified and undone, legal clocks kept): each line says why it cannot go.
 */
export interface ActionsCase {
  title: string;
  alert: { title: string; severity: string; tenant: string; dataCategories: string[] };
  /** Pages (top-level Slack messages) to wait for before acting. */
  pagesBeforeAck: number;
  /**
   * What people do once those pages are out, until the run completes. `settled` waits until the
   * incident has nothing left to do for now (its history still for 2 s, past the ledger's 1 s
   * pacing): people act minutes or hours apart, not within the same second.
   */
  act(incidents: IncidentsClient, incidentId: string, settled: () => Promise<void>): Promise<void>;
  minimal: MinimalLine[];
}

/**
 * Every resolved incident owes a post-incident review unless its policy says otherwise
 * (workflows/review-start.ts): it outlives the incident by days, so it is a workflow of its own,
 * one start whichever way it is begun. (Added since issue 24's 12-action SEV2 design was written.)
 */
const REVIEW: MinimalLine = ['child workflow (start and execution)', 2, 'the post-incident review the resolution owes, a workflow of its own (it outlives the incident by days)'];

export const SEV2: ActionsCase = {
  title: 'SEV2 incident: level 1 paged, level 2 paged, acknowledged at level 2, resolved',
  alert: { title: 'Customer emails visible across tenants', severity: 'SEV2', tenant: 'bench', dataCategories: ['personal-data'] },
  pagesBeforeAck: 2,
  async act(incidents, incidentId, settled) {
    await incidents.change('acknowledge', incidentId, { responder: 'bob', via: 'slack' });
    await settled();
    await incidents.change('resolve', incidentId, { by: { responder: 'bob', via: 'slack' }, note: 'Leaking route reverted' });
  },
  minimal: [
    ['signal-with-start', 1, 'the incident itself, with its alert (signal-with-start dedups repeated alerts)'],
    ['activity', 2, 'one page per level; each writes its own audit event in the same activity'],
    ['timer', 2, 'level 1, then level 2, waits for an acknowledgement'],
    ['update', 2, 'acknowledge and resolve, each answering the responder'],
    ['activity', 2, 'the messages rewritten (and the steps audited) once on acknowledge, once on resolve'],
    ['search attribute upsert', 2, 'status changed on acknowledge and on resolve (status, severity, tenant, data and jurisdictions given with the start, where they are free)'],
    REVIEW,
  ],
};

export const SEV1: ActionsCase = {
  title: 'SEV1 incident (tenant acme, DE, personal data): tenant isolated automatically, GDPR Art. 33 clock started, level 1 paged, acknowledged at level 1, resolved (isolation undone), notification filed',
  alert: { title: 'Invoices of acme served to other tenants', severity: 'SEV1', tenant: 'acme', dataCategories: ['personal-data'] },
  pagesBeforeAck: 1,
  async act(incidents, incidentId, settled) {
    await settled();
    await incidents.change('acknowledge', incidentId, { responder: 'alice', via: 'slack' });
    await settled();
    await incidents.change('resolve', incidentId, { by: { responder: 'alice', via: 'slack' }, note: 'Invoice route fixed' });
    await settled();
    // A resolved incident stays open while its clock runs: the DPO's filing (within the 72 h) is what ends it.
    await incidents.change('file', incidentId, { by: { responder: 'dana', via: 'cli' }, obligation: 'gdpr-art33', reference: 'BfDI-2026-0001' });
  },
  minimal: [
    ['signal-with-start', 1, 'the incident itself, with its alert (signal-with-start dedups repeated alerts)'],
    ['activity', 1, 'isolate the tenant (the policy\'s automatic rule), applied and verified on its control plane, audited in the same activity'],
    ['activity', 1, 'page level 1; its audit events (incident opened, clock started: 72 h in elapsed hours is workflow arithmetic, no holiday data) in the same activity'],
    ['timer', 1, 'level 1 waits for an acknowledgement'],
    ['timer', 1, 'the GDPR clock\'s next event, the 50 % reminder at 36 h: started once, it outlives acknowledge and resolve and the filing cancels it. It and the T-12h, T-2h reminders and the 72 h deadline fall after the filing, outside the incident\'s life (each one inside would add its notice activities and the next timer)'],
    ['update', 3, 'acknowledge, resolve, and the Art. 33 filing (what lets the incident close), each answering the person'],
    ['activity', 2, 'the messages rewritten (and the steps audited) once on acknowledge, once on resolve'],
    ['activity', 1, 'undo the isolation on resolve, verified and audited in the same activity'],
    ['activity', 1, 'the filing audited (no message rewrite carries it)'],
    ['search attribute upsert', 3, 'status on acknowledge and on resolve, the next deadline cleared by the filing (status, tenant, data, jurisdiction and the 72 h deadline given with the start, where they are free)'],
    REVIEW,
  ],
};

import type { ContainmentAction, ContainmentResult, ContainmentSpec } from '../core/containment/containment';
import { makeChange, type ChangeContext } from './changes';
import { h, section, table, type Child } from './dom';
import { when } from './time';

/** Statuses a person still decides: awaiting approval, or suggested by policy (runs only if approved). */
const UNDECIDED = new Set(['awaiting-approval', 'suggested']);

/** The action's settings beside its kind, as the policy or the requester gave them. */
function specDetails(spec: ContainmentSpec): string {
  const parts = [
    spec.mode ? `mode ${spec.mode}` : '',
    spec.scope ? `scope ${spec.scope}` : '',
    ...Object.entries(spec.limits ?? {}).map(([what, n]) => `${what} ≤ ${n}/h`),
    spec.credentials?.length ? `credentials ${spec.credentials.join(', ')}` : '',
  ];
  return parts.filter(Boolean).join(', ');
}

/** Approved (or run by override), rejected, or not yet: who decided, when, and why. */
function decision(a: ContainmentAction): Child[] {
  if (a.rejected) return [`rejected by ${a.rejected.by} on `, when(a.rejected.at), `: ${a.rejected.reason}`];
  if (a.override) return [h('strong', {}, 'override'), ` by ${a.override.by} on `, when(a.override.at), `: ${a.override.reason}`];
  if (a.approvedBy) return [`approved by ${a.approvedBy}`, ...(a.approvedAt ? [' on ', when(a.approvedAt)] : [])];
  return [a.mode === 'automatic' ? 'automatic (policy)' : 'not decided yet'];
}

/** Approve, or reject with a reason (required by the workflow, so the field is too). */
function decide(a: ContainmentAction, ctx: ChangeContext): HTMLElement {
  const approve = h('button', { type: 'button', class: 'approve' }, 'Approve');
  approve.addEventListener('click', () => void makeChange<ContainmentResult>(ctx, approve, 'approveContainment', { actionId: a.id }, (r) => `Containment ${r.actionId} approved: now ${r.status}.`));
  const reasonId = `reject-reason-${a.id}`;
  const reason = h('input', { type: 'text', id: reasonId, class: 'reject-reason', name: 'reason', required: true, autocomplete: 'off', maxlength: 1000 });
  const reject = h('button', { type: 'submit', class: 'reject' }, 'Reject');
  const form = h('form', { class: 'inline reject-form' }, h('label', { for: reasonId }, `Reason to reject ${a.id}`), reason, reject);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void makeChange<ContainmentResult>(ctx, reject, 'rejectContainment', { actionId: a.id, reason: reason.value.trim() }, (r) => `Containment ${r.actionId} rejected.`);
  });
  return h('div', { class: 'decide' }, approve, form);
}

function actionRow(a: ContainmentAction, ctx: ChangeContext | undefined): HTMLTableRowElement {
  const details = specDetails(a.spec);
  return h(
    'tr',
    { 'data-action-id': a.id },
    h('td', {}, h('strong', {}, a.id), ` ${a.spec.kind}`, details ? h('br') : null, details ? h('span', { class: 'muted' }, details) : null),
    h('td', {}, a.tenant === '*' ? 'every tenant' : a.tenant),
    h('td', { class: `containment-status status-${a.status}` }, a.status, a.failure ? h('span', { class: 'error-text' }, ` (${a.failure})`) : null),
    h('td', {}, a.requestedBy, ' on ', when(a.requestedAt), a.reason ? `: ${a.reason}` : ''),
    h('td', {}, ...decision(a)),
    ...(ctx ? [h('td', {}, UNDECIDED.has(a.status) ? decide(a, ctx) : '—')] : []),
  );
}

/**
 * `section#containment`: every action with who requested, approved or rejected it. `ctx` is
 * given for a write token: undecided actions then get Approve / Reject, and the workflow's
 * two-person rule answers for the requester (its refusal shows as the page's alert).
 */
export function containmentSection(actions: ContainmentAction[], ctx: ChangeContext | undefined): HTMLElement {
  if (actions.length === 0) return section('containment', 'Containment', h('p', {}, 'No containment action for this incident.'));
  const headings = ['Action', 'Tenant', 'Status', 'Requested by', 'Decision', ...(ctx ? ['Decide'] : [])];
  return section('containment', 'Containment', table('containment-actions', 'Containment actions', headings, actions.map((a) => actionRow(a, ctx))));
}

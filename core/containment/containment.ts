// Workflow-safe: workflow code imports this module; keep Node-only modules out (test/workflow/bundle.test.ts).
import type { Severity } from '../alerts/severity';
import type { ResponderRef } from '../incident/actor';

/**
 * Containment: what Klaxon may change in the customer's own control plane to stop a leak,
 * who decided it, who approved it, what was verified and how it was undone.
 */
export type ContainmentKind = 'isolate-tenant' | 'throttle-provisioning' | 'suspend-credentials';
export const CONTAINMENT_KINDS: ContainmentKind[] = ['isolate-tenant', 'throttle-provisioning', 'suspend-credentials'];

export interface ContainmentSpec {
  kind: ContainmentKind;
  /** isolate-tenant: how the app treats the tenant (read-only keeps reads, maintenance shows a page, blocked refuses all). */
  mode?: 'read-only' | 'maintenance' | 'blocked';
  /** throttle-provisioning: the most invitations, sign-ups and role changes allowed per hour (0: none). */
  limits?: { invitations?: number; signups?: number; roleChanges?: number };
  /** throttle-provisioning: this tenant (default) or every tenant (named explicitly in policy). */
  scope?: 'tenant' | 'global';
  /** suspend-credentials: integration or API key names. */
  credentials?: string[];
}

/** Automatic: runs at once; approval: waits for an approver; suggest: shown, runs only if someone approves. */
export type ContainmentMode = 'automatic' | 'approval' | 'suggest';

export interface ContainmentRule {
  when?: { severity?: Severity[]; dataCategories?: string[] };
  mode: ContainmentMode;
  actions: ContainmentSpec[];
  /** Keep these actions in place when the incident ends (undone by hand), instead of rolling them back. */
  keepOnResolve?: boolean;
}

export interface ContainmentPolicy {
  rules: ContainmentRule[];
  /** Responders with this role approve containment (default "approver"). */
  approverRole?: string;
  /** Responders with this role may run an action without approval, with a reason (default "incident-commander"). */
  overrideRole?: string;
}

export type ContainmentStatus =
  | 'suggested'
  | 'awaiting-approval'
  | 'approved'
  | 'active'
  | 'failed'
  | 'undoing'
  | 'undone'
  | 'undo-failed'
  | 'rejected'
  | 'kept'
  /** A drill's action recorded as planned, never run (containment.dry_run). */
  | 'dry-run';

export interface ContainmentAction {
  /** a1, a2…: unique within the incident, part of every idempotency key the adapters see. */
  id: string;
  spec: ContainmentSpec;
  /** The tenant the action touches: the incident's own, or "*" for a global throttle. */
  tenant: string;
  mode: ContainmentMode | 'requested';
  status: ContainmentStatus;
  requestedBy: string;
  requestedAt: string;
  reason?: string;
  approvedBy?: string;
  approvedAt?: string;
  /** Run without approval by an override role: flagged in the evidence. */
  override?: { by: string; reason: string; at: string };
  rejected?: { by: string; reason: string; at: string };
  keepOnResolve?: boolean;
  appliedAt?: string;
  /** What the adapter read back after applying (or undoing). */
  verified?: Record<string, unknown>;
  undoneAt?: string;
  /** Why the last apply or undo failed, and when. */
  failure?: string;
  failedAt?: string;
  /** Failed undos are tried again; this many so far. */
  undoAttempts?: number;
  /** Approvers were told it awaits them. */
  announced?: boolean;
  /** PagerDuty services paged because it kept failing; resolved there once it is settled. */
  pagedServices?: string[];
  alarmClosed?: boolean;
}

/** The incident's state that containment owns. */
export interface ContainmentSlice {
  /** Containment actions: proposed, approved, applied, undone, each with who and why. */
  containment?: ContainmentAction[];
}

export interface ContainmentRequest {
  by: ResponderRef;
  spec: ContainmentSpec;
  reason: string;
}

export interface ContainmentDecision {
  by: ResponderRef;
  actionId: string;
  /** Required for a rejection and an override. */
  reason?: string;
}

/** What a containment Update answers. */
export interface ContainmentResult {
  incidentId: string;
  actionId: string;
  status: ContainmentStatus;
}

/** An action in words, for messages and the CLI. */
export function describeSpec(spec: ContainmentSpec, tenant: string): string {
  const whose = tenant === '*' ? 'every tenant' : `tenant ${tenant}`;
  switch (spec.kind) {
    case 'isolate-tenant':
      return `isolate ${whose} (${spec.mode})`;
    case 'throttle-provisioning':
      return `throttle provisioning of ${whose} (${Object.entries(spec.limits ?? {}).map(([k, n]) => `${k} ${n}/h`).join(', ')})`;
    case 'suspend-credentials':
      return `suspend ${spec.credentials?.join(', ')} of ${whose}`;
  }
}

/** Problems of a containment spec, for policies and requests alike. */
export function specProblems(spec: ContainmentSpec): string[] {
  const problems: string[] = [];
  if (!CONTAINMENT_KINDS.includes(spec.kind)) return [`"${spec.kind}" is not a containment action (${CONTAINMENT_KINDS.join(', ')})`];
  if (spec.kind === 'isolate-tenant' && !['read-only', 'maintenance', 'blocked'].includes(spec.mode ?? '')) problems.push('isolate-tenant needs mode: read-only, maintenance or blocked');
  if (spec.kind === 'throttle-provisioning') {
    const limits = Object.values(spec.limits ?? {});
    if (limits.length === 0) problems.push('throttle-provisioning needs limits (invitations, signups, roleChanges per hour)');
    if (limits.some((n) => !Number.isInteger(n) || n < 0)) problems.push('throttle-provisioning limits are whole numbers ≥ 0');
  }
  if (spec.kind === 'suspend-credentials' && !spec.credentials?.length) problems.push('suspend-credentials needs the credentials (integration or API key names) to suspend');
  if (spec.scope === 'global' && spec.kind !== 'throttle-provisioning') problems.push('only throttle-provisioning may be global: isolation and suspensions touch one tenant');
  return problems;
}

// Workflow-safe: workflow code imports this module; keep Node-only modules out (test/workflow/bundle.test.ts).
import type { Alert } from '../alerts/alert';
import { carriesPersonalData } from '../alerts/data-categories';

/**
 * A maintenance window (`klaxon maintenance start`): while it is live, the alerts of its scope
 * (a tenant, and optionally one source and one service) are accepted, counted and recorded in
 * the ledger, but page nobody. It ends by itself at `until` (a durable timer in
 * workflows/maintenance.ts) or by `klaxon maintenance end`; an open-ended one (`until` null)
 * only by the command, and only when it was asked for explicitly, with the reason.
 */
export interface MaintenanceWindow {
  /** `mw-…`, named by `klaxon maintenance end` and the ledger. */
  id: string;
  tenant: string;
  /** Only alerts of this source (generic, sentry, …); every source when absent. */
  source?: string;
  /** Only alerts the rules classified under this service; every service when absent. */
  service?: string;
  /** UTC ISO instants; `until` null: open-ended. */
  from: string;
  until: string | null;
  /** Why the window has no end (required for an open-ended one). */
  openEnded?: string;
  /** Why the window exists, as the person who opened it said (redacted). */
  reason: string;
  /** Who opened it (the token's responder or name). */
  by: string;
  /**
   * A SEV1 alert carrying personal data pages even during maintenance (a leak during a
   * migration is still a leak), unless the window says it may be silenced.
   */
  allowSev1PersonalData: boolean;
  createdAt: string;
  /** Set once it ended (expired or ended by someone). */
  endedAt?: string;
  endedBy?: string;
  /** Alerts it held back so far. */
  held?: number;
}

/** The part of a window that says which alerts it covers. */
export type WindowScope = Pick<MaintenanceWindow, 'tenant' | 'source' | 'service'>;

const sameScope = (a: WindowScope, b: WindowScope): boolean => a.tenant === b.tenant && a.source === b.source && a.service === b.service;

const endOf = (w: Pick<MaintenanceWindow, 'until' | 'endedAt'>): number => {
  const ends = [w.until, w.endedAt].filter((x): x is string => typeof x === 'string').map((x) => Date.parse(x));
  return ends.length ? Math.min(...ends) : Infinity;
};

/** Whether the window holds alerts at `at` (ms): begun, not over, not ended. */
export function isLive(w: Pick<MaintenanceWindow, 'from' | 'until' | 'endedAt'>, at: number): boolean {
  return Date.parse(w.from) <= at && at < endOf(w);
}

/** Whether an alert falls under the window's scope (tenant equal; source and service when the window names them). */
export function matches(w: WindowScope, alert: Pick<Alert, 'tenant' | 'source' | 'classification'>): boolean {
  if (w.tenant !== alert.tenant) return false;
  if (w.source !== undefined && w.source !== alert.source) return false;
  if (w.service !== undefined && w.service !== (alert.classification?.service ?? 'unclassified')) return false;
  return true;
}

/**
 * The window of the same scope that shares time with [from, until) (until null: for ever), among
 * windows not ended. Two windows of one scope at once would make "which one held it" ambiguous
 * and let one end silently while the other still holds.
 */
export function overlapping(candidate: WindowScope & { from: string; until: string | null }, existing: readonly MaintenanceWindow[]): MaintenanceWindow | undefined {
  const from = Date.parse(candidate.from);
  const until = candidate.until === null ? Infinity : Date.parse(candidate.until);
  return existing.find((w) => w.endedAt === undefined && sameScope(w, candidate) && Date.parse(w.from) < until && from < endOf(w));
}

/** What an alert gets while windows are live. */
export type MaintenanceDecision =
  | { action: 'page' }
  | { action: 'hold'; window: MaintenanceWindow; sev1PersonalData: boolean }
  | { action: 'bypass'; window: MaintenanceWindow };

/**
 * Hold (a live window matches), bypass (it matches, but the alert is a SEV1 carrying personal
 * data and the window does not allow silencing those), or page (no live window matches). The
 * first matching window decides; windows of one scope never overlap, and the narrower scopes
 * come first, so a source- or service-specific window's choice wins over a tenant-wide one's;
 * between equally narrow ones, the one that does not silence SEV1s with personal data.
 */
export function decide(alert: Pick<Alert, 'tenant' | 'source' | 'classification' | 'severity' | 'dataCategories'>, windows: readonly MaintenanceWindow[], at: number): MaintenanceDecision {
  const specificity = (w: MaintenanceWindow) => (w.source !== undefined ? 1 : 0) + (w.service !== undefined ? 1 : 0);
  // Between equally narrow windows (one by source, one by service), the one that does not
  // silence SEV1s with personal data first, then by id: the choice does not hang on the order
  // the database returns them in, and a tie is resolved on the side of paging.
  const live = windows
    .filter((w) => isLive(w, at) && matches(w, alert))
    .sort((a, b) => specificity(b) - specificity(a) || Number(a.allowSev1PersonalData) - Number(b.allowSev1PersonalData) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const window = live[0];
  if (!window) return { action: 'page' };
  const sev1PersonalData = alert.severity === 'SEV1' && carriesPersonalData(alert);
  if (sev1PersonalData && !window.allowSev1PersonalData) return { action: 'bypass', window };
  return { action: 'hold', window, sev1PersonalData };
}

/** The ledger chain a tenant's maintenance windows are recorded under. */
export const maintenanceChain = (tenant: string): string => `maintenance-${tenant}`;

/** The workflow that ends a window (workflows/maintenance.ts), one per window. */
export const maintenanceWorkflowId = (id: string): string => `maintenance-${id}`;

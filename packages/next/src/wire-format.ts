/**
 * What the app sends to Klaxon's `POST /v1/alerts/nextjs` (the issue 21 contract; Klaxon's
 * source refuses unknown fields). Types only: each report is built by the module that owns it.
 */

export type ErrorSurface = 'client-component' | 'server-component' | 'route-handler' | 'server-action' | 'middleware';

export interface ErrorReport {
  kind: 'error';
  app: string;
  tenant?: string;
  surface: ErrorSurface;
  route: string;
  release?: string;
  requestId?: string;
  error: { name: string; message: string; digest?: string; stack?: string };
  /** The app's hash of (surface, route, error name, message without numbers and ids, first stack frame). */
  fingerprint: string;
  /** Occurrences since the last forward of this fingerprint. */
  count: number;
  firstSeen: string;
  lastSeen: string;
}

export interface DataGuardReport {
  kind: 'data-guard';
  app: string;
  /** The caller's tenant: the one whose responses carry data they must not. */
  tenant: string;
  route: string;
  requestId?: string;
  release?: string;
  finding: 'cross-tenant' | 'sensitive-field';
  otherTenants?: string[];
  /** Field names only, never values. */
  fields?: string[];
  records: number;
  action: 'blocked' | 'reported';
  at: string;
}

export interface CspViolation {
  directive: string;
  /** A host name, or one of "inline", "eval", "data", "blob", "self". */
  blockedHost: string;
  documentPath: string;
  count: number;
}

export interface CspReport {
  kind: 'csp';
  app: string;
  release?: string;
  violations: CspViolation[];
  from: string;
  until: string;
}

export type KlaxonReport = ErrorReport | DataGuardReport | CspReport;

/** The wire format's rule for `app`. */
export const APP_NAME = /^[A-Za-z0-9._-]{1,64}$/;

export function checkAppName(app: string, who: string): void {
  if (!APP_NAME.test(app)) throw new Error(`${who}: app must be 1 to 64 letters, digits, ".", "_" or "-"`);
}

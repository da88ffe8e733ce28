/**
 * What the app sends to Klaxon's `POST /v1/alerts/nextjs` (the issue 21 contract; Klaxon's
 * source refuses unknown fields): the reports' types and the rules of their fields. Each report
 * is built by the module that owns it.
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

/**
 * The field rules of Klaxon's source (core/sources/nextjs-report.ts): a report that breaks one
 * is refused whole, so the package checks its configuration against them at start-up and
 * brings what it forwards within them. Linear-time patterns only.
 */
export const APP_NAME = /^[A-Za-z0-9._-]{1,64}$/;
/** A path as `location.pathname` or a route template gives it: no query, fragment, space or control character. */
export const ROUTE_PATH = /^\/[^?#\u0000-\u0020\u007f-\u009f]{0,511}$/;
/** Visible ASCII, no spaces: releases and digests. */
export const RELEASE = /^[\x21-\x7e]{1,128}$/;
export const ERROR_NAME = /^[A-Za-z_$][A-Za-z0-9_$.]{0,63}$/;
export const FIELD_NAME = /^[A-Za-z0-9_.$-]{1,128}$/;
export const DIRECTIVE = /^[a-z][a-z-]{0,63}$/;

/** Refuses, when the app starts, an app name, release or route the source would refuse in every report. */
export function checkOptions(options: { app: string; release?: string; route?: string }, who: string): void {
  if (!APP_NAME.test(options.app)) throw new Error(`${who}: app must be 1 to 64 letters, digits, ".", "_" or "-"`);
  if (options.release !== undefined && !RELEASE.test(options.release)) throw new Error(`${who}: release must be 1 to 128 visible ASCII characters, no spaces`);
  if (options.route !== undefined && !ROUTE_PATH.test(options.route)) {
    throw new Error(`${who}: route "${options.route.slice(0, 40)}" must be a path ("/…", at most 512 characters, no query, fragment or space)`);
  }
}

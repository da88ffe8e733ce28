// @klaxon/next/server: route handlers and wrappers for the Node runtime (reads the webhook secret,
// which never reaches a browser).
export { klaxonReportHandler, MAX_REPORT_BYTES, type KlaxonReportHandlerOptions } from './report-handler';
export { klaxonCspReportHandler, MAX_CSP_BODY_BYTES, type KlaxonCspReportHandlerOptions } from './csp-report-handler';
export { withKlaxon, withKlaxonAction, ActionWithheldError, BLOCKED_STATUS, type Actor, type WithKlaxonOptions, type WithKlaxonActionOptions } from './with-klaxon';
export type { GuardOptions } from './data-guard';
export { createAuditStore, migrateAuditStore, auditStoreMigration, type AuditStore, type DataAccessRecord, type Queryable } from './audit-store';
export type { ErrorRateLimit } from './error-reporter';
export type { KlaxonTarget } from './klaxon-forwarder';
export type { KlaxonReport, ErrorReport, DataGuardReport, CspReport, CspViolation, ErrorSurface } from './wire-format';
export { REQUEST_ID_HEADER, TENANT_HEADER } from './request-context';

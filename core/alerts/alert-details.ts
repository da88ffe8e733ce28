// Workflow-safe: workflow code imports this module; keep Node-only modules out (test/workflow/bundle.test.ts).
import type { Alert } from './alert';

/** Alert details kept in Temporal and the ledger are capped: they may hold the very data that leaked. */
export const MAX_DETAILS_BYTES = 8 * 1024;

/** Replaces details larger than MAX_DETAILS_BYTES by a note of their size. */
export function capDetails(alert: Alert): Alert {
  const size = new TextEncoder().encode(JSON.stringify(alert.details)).length;
  return size <= MAX_DETAILS_BYTES ? alert : { ...alert, details: { truncated: true, originalBytes: size } };
}

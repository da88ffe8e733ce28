// Workflow-safe: workflow code imports this module; keep Node-only modules out (test/workflow/bundle.test.ts).
import type { Alert } from './alert';
import { capDetails } from './alert-details';
import { cutTitle } from '../shared/free-text';

/**
 * An alert's text as sent, before redaction: kept only when the incident's policy says
 * `keepUnredactedAlerts`, in the workflow's state alone (never the ledger, memo, search
 * attributes, logs or notifications), where the payload codec encrypts it. Its system fields
 * say which delivery it was; its details are capped as the kept alert's are.
 */
export interface UnredactedAlert {
  deliveryId: string;
  receivedAt: string;
  title: string;
  dedupKey: string;
  dataCategories: string[];
  details: Record<string, unknown>;
}

/**
 * An incident keeps at most this many unredacted alerts, its first: what an investigator
 * needs is how it began, and a storm must not grow the state (carried over continue-as-new
 * within Temporal's 2 MB payload limit: 20 × the 8 KiB details cap and a title).
 */
export const MAX_UNREDACTED_ALERTS = 20;

export function unredactedAlert(alert: Alert): UnredactedAlert {
  const { deliveryId, receivedAt, dedupKey, dataCategories, details } = capDetails(alert);
  return { deliveryId, receivedAt, title: cutTitle(alert.title), dedupKey, dataCategories: [...dataCategories], details };
}

/** `kept` with those of `more` it does not hold yet (by delivery), up to MAX_UNREDACTED_ALERTS. */
export function withUnredacted(kept: readonly UnredactedAlert[], more: readonly UnredactedAlert[]): UnredactedAlert[] {
  const out = [...kept];
  for (const a of more) {
    if (out.length >= MAX_UNREDACTED_ALERTS) break;
    if (!out.some((k) => k.deliveryId === a.deliveryId)) out.push(a);
  }
  return out;
}

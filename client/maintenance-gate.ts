import type { Alert } from '../core/alerts/alert';
import { keptAlert } from '../core/alerts/kept-alert';
import { incidentIdFor } from '../core/incident/incident-id';
import { alertsHeld, sourceLabel } from '../telemetry/metrics';
import type { Maintenance } from './maintenance';

/** What the sender is answered for an alert a window held back: no incident, and which window until when. */
export interface HeldAnswer {
  incidentId: null;
  held: { window: string; until: string | null };
}

/**
 * How long the check may take before the alert pages anyway: a database that hangs (not
 * refuses) must not hold the alarm with it. An alert paged after a slow hold was recorded is
 * both held in the record and paged: the safe side.
 */
export const MAINTENANCE_CHECK_TIMEOUT_MS = 2_000;

function inTime<T>(work: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${MAINTENANCE_CHECK_TIMEOUT_MS} ms`)), MAINTENANCE_CHECK_TIMEOUT_MS);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

/** Why a SEV1 with personal data paged during a window, as its record says. */
const BYPASS_REASON = 'a SEV1 alert carrying personal data pages even during maintenance, and the window does not allow silencing it';

/**
 * The maintenance check of the alert route, after parsing and classification and before the
 * alert reaches Temporal: held back (recorded and counted, answered without an incident), or
 * on to its incident (nothing live matches; or a SEV1 with personal data the window does not
 * allow silencing, recorded as `maintenance.bypassed`). When the windows cannot be read or the
 * hold cannot be recorded, the alert pages and the failure is logged: a database outage must
 * not silence an alarm (fail open), and nothing is held that the ledger does not show.
 */
export async function maintenanceGate(
  alert: Alert,
  maintenance: Maintenance | undefined,
  at: Date,
  log: (line: string) => void,
  memo?: Parameters<Maintenance['decide']>[2],
): Promise<HeldAnswer | undefined> {
  if (!maintenance) return undefined;
  let decision;
  try {
    decision = await inTime(maintenance.decide(alert, at, memo), 'reading the maintenance windows');
  } catch (err) {
    log(`klaxon api: maintenance windows could not be read, the alert pages as usual: ${(err as Error).message}`);
    return undefined;
  }
  if (decision.action === 'page') return undefined;
  // As Klaxon keeps it: the title and key redacted before the ledger sees them.
  const kept = keptAlert(alert);
  const met = { window: decision.window.id, source: kept.source, severity: kept.severity, title: kept.title, dedupKey: kept.dedupKey, deliveryId: kept.deliveryId };
  if (decision.action === 'bypass') {
    const bypass = { reason: BYPASS_REASON, incidentId: incidentIdFor(alert) };
    await inTime(maintenance.windows.recordMet(decision.window, met, bypass, at), 'recording the bypass').catch((err: Error) => log(`klaxon api: a SEV1 alert paged during maintenance window ${decision.window.id} was not recorded as such: ${err.message}`));
    return undefined;
  }
  try {
    await inTime(maintenance.windows.recordMet(decision.window, { ...met, ...(decision.sev1PersonalData ? { sev1PersonalData: true as const } : {}) }, undefined, at), 'recording the held alert');
  } catch (err) {
    log(`klaxon api: an alert maintenance window ${decision.window.id} would hold could not be recorded, it pages as usual: ${(err as Error).message}`);
    return undefined;
  }
  alertsHeld.inc({ source: sourceLabel(alert.source) });
  return { incidentId: null, held: { window: decision.window.id, until: decision.window.until } };
}

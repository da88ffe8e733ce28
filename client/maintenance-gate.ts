import type { Alert } from '../core/alerts/alert';
import { inTime } from '../core/shared/in-time';
import { keptAlert } from '../core/alerts/kept-alert';
import { incidentIdFor } from '../core/incident/incident-id';
import type { MaintenanceDecision, MaintenanceWindow } from '../core/maintenance/window';
import type { MetAlert, MetBypass } from '../ledger/maintenance-windows';
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

/** The live windows of each tenant of a delivery, read once (Maintenance.decide's memo). */
type WindowsRead = NonNullable<Parameters<Maintenance['decide']>[2]>;

/**
 * Starts reading the live windows of the tenants of `alerts` (each once), so the read runs beside
 * the route's other lookups; the gates below take the answers from it. A read that fails is
 * answered where it is used (the alert pages), never here.
 */
export function windowsReading(alerts: readonly Alert[], maintenance: Maintenance | undefined, at: Date): WindowsRead {
  const memo: WindowsRead = new Map();
  if (!maintenance) return memo;
  for (const tenant of new Set(alerts.map((a) => a.tenant))) {
    const live = maintenance.liveFor(tenant, at);
    // Handled where it is awaited; this keeps a failure before then from being reported as unhandled.
    live.catch(() => undefined);
    memo.set(tenant, live);
  }
  return memo;
}

/** Why a SEV1 with personal data paged during a window, as its record says. */
const BYPASS_REASON = 'a SEV1 alert carrying personal data pages even during maintenance, and the window does not allow silencing it';

/**
 * The maintenance check of the alert route, after parsing and classification and before the
 * alerts reach Temporal, for every alert of one delivery: held back (recorded and counted,
 * answered without an incident), or on to its incident (nothing live matches; or a SEV1 with
 * personal data the window does not allow silencing, recorded as `maintenance.bypassed`). A
 * delivery reads each tenant's windows once and records what they met in one transaction, so
 * a storm of alerts in one request is held as a whole, not paged in part for want of time.
 * When the windows cannot be read or the holds cannot be recorded, the alerts page and the
 * failure is logged (once per cause): a database outage must not silence an alarm (fail
 * open), and nothing is held that the ledger does not show.
 */
export async function maintenanceGates(
  alerts: readonly Alert[],
  maintenance: Maintenance | undefined,
  at: Date,
  log: (line: string) => void,
  memo: WindowsRead = new Map(),
): Promise<Array<HeldAnswer | undefined>> {
  if (!maintenance || alerts.length === 0) return alerts.map(() => undefined);
  const logged = new Set<string>();
  const logOnce = (line: string) => {
    if (logged.has(line)) return;
    logged.add(line);
    log(line);
  };
  const decisions = await Promise.all(
    alerts.map((alert) =>
      inTime(maintenance.decide(alert, at, memo), MAINTENANCE_CHECK_TIMEOUT_MS, 'reading the maintenance windows').catch((err: Error): MaintenanceDecision => {
        logOnce(`klaxon api: maintenance windows could not be read, the alert pages as usual: ${err.message}`);
        return { action: 'page' };
      }),
    ),
  );
  const met = decisions.flatMap((decision, i): Met[] => {
    if (decision.action === 'page') return [];
    // As Klaxon keeps it: the title and key redacted before the ledger sees them.
    const kept = keptAlert(alerts[i]);
    const alert = { window: decision.window.id, source: kept.source, severity: kept.severity, title: kept.title, dedupKey: kept.dedupKey, deliveryId: kept.deliveryId };
    return decision.action === 'bypass'
      ? [{ i, window: decision.window, alert, bypass: { reason: BYPASS_REASON, incidentId: incidentIdFor(alerts[i]) } }]
      : [{ i, window: decision.window, alert: { ...alert, ...(decision.sev1PersonalData ? { sev1PersonalData: true as const } : {}) } }];
  });
  const answers: Array<HeldAnswer | undefined> = alerts.map(() => undefined);
  if (met.length === 0) return answers;
  let recorded: boolean[];
  try {
    recorded = await inTime(maintenance.windows.recordMany(met, at), MAINTENANCE_CHECK_TIMEOUT_MS, met.some((m) => !m.bypass) ? 'recording the held alert' : 'recording the bypass');
  } catch (err) {
    for (const m of met) {
      if (m.bypass) logOnce(`klaxon api: a SEV1 alert paged during maintenance window ${m.window.id} was not recorded as such: ${(err as Error).message}`);
      else logOnce(`klaxon api: an alert maintenance window ${m.window.id} would hold could not be recorded, it pages as usual: ${(err as Error).message}`);
    }
    return answers;
  }
  met.forEach((m, k) => {
    if (m.bypass) return;
    if (!recorded[k]) {
      logOnce(`klaxon api: maintenance window ${m.window.id} ended while an alert it would hold was decided, the alert pages as usual`);
      return;
    }
    alertsHeld.inc({ source: sourceLabel(alerts[m.i].source) });
    answers[m.i] = { incidentId: null, held: { window: m.window.id, until: m.window.until } };
  });
  return answers;
}

/** An alert of the delivery (its index) that a window met, and how. */
type Met = { i: number; window: MaintenanceWindow; alert: MetAlert; bypass?: MetBypass };

/** The check for one alert (see `maintenanceGates`). */
export async function maintenanceGate(alert: Alert, maintenance: Maintenance | undefined, at: Date, log: (line: string) => void): Promise<HeldAnswer | undefined> {
  return (await maintenanceGates([alert], maintenance, at, log))[0];
}

/**
 * For the replays of a delivery (answered without reaching Temporal): those a live window held
 * the first time are answered as held again, not with the id of an incident that was never
 * opened. Anything it cannot read in time leaves the usual replay answer.
 */
export async function heldReplays(alerts: readonly Alert[], maintenance: Maintenance | undefined, at: Date, memo: WindowsRead = new Map()): Promise<Array<(HeldAnswer & { replayed: true }) | undefined>> {
  if (!maintenance || alerts.length === 0) return alerts.map(() => undefined);
  return Promise.all(
    alerts.map(async (alert) => {
      try {
        const decision = await inTime(maintenance.decide(alert, at, memo), MAINTENANCE_CHECK_TIMEOUT_MS, 'reading the maintenance windows');
        if (decision.action !== 'hold') return undefined;
        if (!(await inTime(maintenance.windows.wasHeld(decision.window, keptAlert(alert).deliveryId), MAINTENANCE_CHECK_TIMEOUT_MS, 'reading the held alert'))) return undefined;
        return { incidentId: null, held: { window: decision.window.id, until: decision.window.until }, replayed: true as const };
      } catch {
        return undefined;
      }
    }),
  );
}

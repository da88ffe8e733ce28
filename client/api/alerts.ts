import type { IncomingMessage } from 'node:http';
import type { Alert } from '../../core/alerts/alert';
import { classify, classifyResolution, type ClassificationRules } from '../../core/alerts/classification';
import { alertTextProblems, keptAlert, keptResolution, resolutionTextProblems } from '../../core/alerts/kept-alert';
import { SourceRejection, type AlertSource, type SourceResult, type SourceSettings } from '../../core/sources/source';
import { SOURCES } from '../../core/sources/registry';
import { incidentIdFor } from '../../core/incident/incident-id';
import { unredactedAlert } from '../../core/alerts/unredacted-alert';
import type { AlertIntake } from '../alert-intake';
import type { Maintenance } from '../maintenance';
import { heldReplays, maintenanceGates, windowsReading, type HeldAnswer } from '../maintenance-gate';
import type { DeliveryMemory } from '../delivery-memory';
import type { Incidents } from '../incidents';
import type { HeartbeatFeed } from '../heartbeats';
import { spikeAlertsOf, type SpikeWindows } from '../spike-windows';
import { header, HttpError, readBody, requireContentType } from './http';
import { noteIgnored, noteTest, type QuietDeliveryCounts } from './quiet-deliveries';
import type { LedgerStore } from '../../ledger/store';
import { alertLastReceived, alertsReceived, sourceLabel } from '../../telemetry/metrics';
import type { PolicyBook } from '../../core/policy/routing';

export interface AlertRouteDeps {
  intake: AlertIntake;
  /** The policies in force when the request arrived: a new incident pins the one its first alert routes to. */
  policies: PolicyBook;
  incidents: Incidents;
  /** Heartbeat monitors fed by a source: its alerts for their tenant are beats. */
  heartbeats: HeartbeatFeed;
  /** The enabled sources (KLAXON_SOURCES), by name. */
  sources: ReadonlyMap<string, AlertSource>;
  settings: SourceSettings;
  /** The classification rules in force when the request arrived. */
  rules: ClassificationRules;
  /** Deliveries taken before, so a replay of signed bytes is not taken again. */
  deliveries: DeliveryMemory;
  /** Vercel's status-spike windows: the ledger database's when there is one, shared by every replica. */
  spikeWindows: SpikeWindows;
  /** Deliveries accepted without an alert (ignored, or a tool's test), by source and reason. */
  quietCounts: QuietDeliveryCounts;
  /** Where ignored deliveries of an open incident and test notifications are recorded, when the API has the database. */
  ledger?: LedgerStore;
  /** Maintenance windows, when the API has the database: a live one holds the alerts it covers back. */
  maintenance?: Maintenance;
  log: (line: string) => void;
  now: () => Date;
}

/** What the answer says of a delivery that carried nothing at all (an Alertmanager group with no alerts). */
const EMPTY_DELIVERY = 'the delivery carries no alert, resolution or event Klaxon acts on';
/** A Vercel batch whose lines were all counted in status-spike windows, none of which reached its threshold. */
const SPIKES_BELOW_THRESHOLD = 'its lines were counted in status-spike windows, none reached its threshold';

/**
 * `POST /v1/alerts/:source`: authenticated and parsed by the source, its text checked (422
 * naming the field, nothing taken), classified by the rules (which may set the tenant, and so
 * the incident), then taken into Temporal as Klaxon keeps it: redacted (core/alerts/kept-alert.ts).
 * Answers 202 only once Temporal holds every alert and resolution of the request.
 */
export async function receiveAlert(req: IncomingMessage, name: string, deps: AlertRouteDeps): Promise<{ status: number; body: unknown }> {
  try {
    return await takeDelivery(req, name, deps);
  } catch (err) {
    if (err instanceof HttpError) alertsReceived.inc({ source: sourceLabel(name), outcome: err.status === 503 ? 'unavailable' : 'refused' });
    throw err;
  }
}

async function takeDelivery(req: IncomingMessage, name: string, deps: AlertRouteDeps): Promise<{ status: number; body: unknown }> {
  const source = deps.sources.get(name);
  if (!source) {
    const why = SOURCES.has(name) ? `alert source "${name}" is not enabled (KLAXON_SOURCES)` : `unknown alert source "${name}"`;
    throw new HttpError(404, `${why}; enabled sources: ${[...deps.sources.keys()].join(', ')}`);
  }
  const raw = await readBody(req, source.maxBodyBytes);
  requireContentType(req, ...(source.contentTypes ?? ['application/json']));
  let result: SourceResult;
  const receivedAt = deps.now();
  try {
    result = source.receive({ header: (n) => header(req, n), rawBody: raw, receivedAt }, deps.settings);
  } catch (err) {
    if (err instanceof SourceRejection) throw new HttpError(err.status, err.message, err.problems ? { problems: err.problems } : undefined);
    throw err;
  }
  const spikeHits = result.spikeHits ?? [];
  // Klaxon's own format names its fields as sent (`title`); a source's request, by position.
  const problems = [
    ...result.alerts.flatMap((a, i) => alertTextProblems(a, (f) => (name === 'generic' ? f : `alerts.${i}.${f}`))),
    ...result.resolutions.flatMap((r, i) => resolutionTextProblems(r, (f) => `resolutions.${i}.${f}`)),
    ...spikeHits.flatMap((h, i) => alertTextProblems(h.alert, (f) => `spikeHits.${i}.${f}`)),
  ];
  if (problems.length) throw new HttpError(422, `alert refused: ${problems.join('; ')}`, { problems });
  // Spike windows not counted (the database away) do not hold back the batch's other alerts:
  // those are taken, and the batch is answered 503 below, so Vercel sends it again and the
  // windows count it then (the alerts already taken are recognised as replays).
  let uncounted: Error | undefined;
  const spikes = await spikeAlertsOf(spikeHits, deps.spikeWindows, receivedAt).catch((err: Error) => {
    uncounted = err;
    return [];
  });
  result = { ...result, alerts: [...result.alerts, ...spikes] };
  const tests = result.tests ?? [];
  // Whatever a source accepts yields something: an alert, a resolution, a test, or a reason it was ignored.
  const ignored = result.ignored?.length || result.alerts.length || result.resolutions.length || tests.length ? (result.ignored ?? []) : [{ reason: spikeHits.length && !uncounted ? SPIKES_BELOW_THRESHOLD : EMPTY_DELIVERY, deliveryId: '' }];
  const window = source.replayWindowSeconds;
  const ids = [...result.alerts, ...result.resolutions].map((d) => d.deliveryId);
  const alertsClassified = result.alerts.map((a) => classify(a, deps.rules));
  // The tenants' maintenance windows are read beside the delivery memory, not after it: the
  // page waits for one database round trip, not two (client/maintenance-gate.ts).
  const windows = windowsReading(alertsClassified, deps.maintenance, receivedAt);
  const replayed = window ? await deps.deliveries.seen(ids, receivedAt) : new Set<string>();
  // The intake passes the alert as sent on only where the incident's policy keeps it (encrypted).
  // A live maintenance window may hold it back first (client/maintenance-gate.ts): recorded, not paged.
  // Neither check throws: what they cannot read or record pages (or keeps the usual replay answer).
  const classified = alertsClassified.map((alert) => ({ alert, replayed: replayed.has(alert.deliveryId) }));
  const fresh = classified.filter((c) => !c.replayed).map((c) => c.alert);
  const replays = classified.filter((c) => c.replayed).map((c) => c.alert);
  const [freshGates, replayGates] = await Promise.all([maintenanceGates(fresh, deps.maintenance, receivedAt, deps.log, windows), heldReplays(replays, deps.maintenance, receivedAt, windows)]);
  const gates = new Map<Alert, HeldAnswer | undefined>(freshGates.map((held, i) => [fresh[i], held]));
  const heldBefore = new Map(replayGates.map((held, i) => [replays[i], held]));
  const submit = async (classified: Alert) => gates.get(classified) ?? deps.intake.submit(keptAlert(classified), deps.policies, unredactedAlert(classified));
  let body: unknown;
  try {
    // A replay is answered as the duplicate it is, and nothing of it reaches Temporal (nor beats for a monitor).
    const [alerts, resolved] = await Promise.all([
      Promise.all(classified.map((c) => (c.replayed ? (heldBefore.get(c.alert) ?? { incidentId: incidentIdFor(c.alert), deduplicated: true, replayed: true }) : submit(c.alert)))),
      Promise.all(result.resolutions.map((r) => (replayed.has(r.deliveryId) ? { incidentId: incidentIdFor(classifyResolution(r, deps.rules)), matched: false, replayed: true } : deps.incidents.recordResolution(keptResolution(classifyResolution(r, deps.rules)))))),
      // Beside the alerts, not after them: the 202 waits for nothing more. It never throws.
      deps.heartbeats.fromAlerts(name, classified.filter((c) => !c.replayed).map((c) => c.alert)),
    ]);
    if (window) await deps.deliveries.remember(ids.filter((id) => !replayed.has(id)), receivedAt, new Date(receivedAt.getTime() + window * 1000));
    countTaken(name, alerts, { resolution: resolved.length, test: tests.length, ignored: ignored.length });
    const quiet = { incidents: deps.incidents, rules: deps.rules, counts: deps.quietCounts, ledger: deps.ledger, log: deps.log };
    const [ignoredAnswers, testAnswers] = await Promise.all([Promise.all(ignored.map((i) => noteIgnored(name, i, receivedAt, quiet))), Promise.all(tests.map((t) => noteTest(t, quiet)))]);
    // Klaxon's own format carries one alert, and answers with its incident (or, for `test: true`, with the proof).
    if (name === 'generic') body = alerts[0] ?? { test: true, ...testAnswers[0] };
    // Fields added only when there is something in them: the answers senders already parse keep their shape.
    else body = { alerts, resolved, ...(ignoredAnswers.length ? { ignored: ignoredAnswers } : {}), ...(testAnswers.length ? { tests: testAnswers } : {}) };
  } catch (err) {
    // Not accepted: the sender must retry, and nothing it sent is lost by retrying (deliveries are counted once).
    throw new HttpError(503, `Temporal did not accept the alert, retry later: ${(err as Error).message}`);
  }
  if (uncounted) throw new HttpError(503, `the batch's other alerts were taken, but its status-spike windows could not be counted, retry later: ${uncounted.message}`);
  return { status: 202, body };
}

/** Counts what a delivery brought, once Temporal holds it (a delivery refused is counted by `receiveAlert`). */
function countTaken(name: string, alerts: Array<{ deduplicated?: boolean; replayed?: boolean; held?: object }>, others: Record<'resolution' | 'test' | 'ignored', number>): void {
  const source = sourceLabel(name);
  for (const a of alerts) alertsReceived.inc({ source, outcome: a.replayed ? 'replayed' : a.held ? 'held' : a.deduplicated ? 'joined' : 'opened' });
  for (const [outcome, n] of Object.entries(others)) if (n) alertsReceived.inc({ source, outcome }, n);
  alertLastReceived.setToCurrentTime({ source });
}

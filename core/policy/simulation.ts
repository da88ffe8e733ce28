import type { Alert } from '../alerts/alert';
import { Incident, type IncidentEvent, type IncidentState } from '../incident/incident';
import { incidentIdFor } from '../incident/incident-id';
import type { Policy } from './policy';
import type { RuntimeOverride } from '../oncall/runtime-override';

export interface SimulationInput {
  policy: Policy;
  alert: Alert;
  /** When the alert arrives (ISO instant). */
  at: string;
  /** When someone acknowledges (ISO instant), if anyone does. */
  ackAt?: string;
  /** Who acknowledges: by default the responder paged last before `ackAt`. */
  ackBy?: string;
  /** How far to follow the incident; a ladder with an ack timeout could run for ever. */
  horizonHours?: number;
  /**
   * Run-time overrides (`klaxon oncall override|swap`) to page by, as an open incident does
   * (pinned policy, live roster); absent: the policy's schedules as written.
   */
  overrides?: readonly RuntimeOverride[];
}

export interface Simulation {
  events: IncidentEvent[];
  state: IncidentState;
}

const DEFAULT_HORIZON_HOURS = 7 * 24;

/**
 * Runs an incident on a virtual clock with the same `Incident.step` the workflow runs: every
 * page is taken as delivered, and time jumps to the next timer or to the acknowledgement.
 * A compliance lead shows an auditor the documented escalation path with it.
 */
export function simulate(input: SimulationInput): Simulation {
  const start = Date.parse(input.at);
  if (Number.isNaN(start)) throw new RangeError(`--at "${input.at}" is not an ISO date-time`);
  let ackAt = input.ackAt === undefined ? undefined : Date.parse(input.ackAt);
  if (ackAt !== undefined && !(ackAt >= start)) throw new RangeError(`--ack-at "${input.ackAt}" must be an ISO date-time not before --at`);
  const horizon = start + (input.horizonHours ?? DEFAULT_HORIZON_HOURS) * 3_600_000;
  const iso = (t: number) => new Date(t).toISOString();
  const alert = { ...input.alert, receivedAt: iso(start) };
  const incident = Incident.open(incidentIdFor(alert), input.policy, alert, iso(start));
  if (input.overrides) incident.followLiveRoster();
  let now = start;
  for (;;) {
    const step = incident.step(iso(now));
    if (step.kind === 'done') break;
    if (step.kind === 'roster') {
      incident.useRoster({ overrides: input.overrides ?? [] }, iso(now));
      continue;
    }
    if (step.kind === 'page') {
      for (const p of step.pages) incident.pageDelivered(p.index, { channel: p.recipient.slackChannel ?? 'simulated', ts: String(now / 1000) });
      continue;
    }
    const next = Math.min(step.until ?? Infinity, ackAt ?? Infinity);
    if (next > horizon) break;
    now = next;
    if (now === ackAt) {
      ackAt = undefined;
      const paged = incident.snapshot().pages.filter((p) => p.slackUserId);
      const by = input.ackBy ?? paged.at(-1)?.responder ?? incident.policy.responders[0].name;
      incident.acknowledge({ responder: by, via: 'api' }, iso(now));
    }
  }
  return { events: incident.takeEvents(), state: incident.snapshot() };
}

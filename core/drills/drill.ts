// Workflow-safe: workflow code imports this module; keep Node-only modules out (test/workflow/bundle.test.ts).
import type { Severity } from '../alerts/severity';
import { isValidTenant } from '../alerts/tenant-name';

/**
 * A drill: an incident run through the whole system (the same incident code, under the
 * workflow type `drill`) to prove the response works, with every message marked, containment
 * dry-run unless a sandbox tenant is named, and injected failures. These are the facts the
 * incident keeps about the drill (IncidentFacts.drill), so queries and the report see them.
 */
export interface DrillFacts {
  drillId: string;
  /** The scenario's name. */
  scenario: string;
  /** A responder's name, or `schedule:<scheduleId>`. */
  startedBy: string;
  scheduleId?: string;
  /** Containment really runs, against this tenant only. */
  sandboxTenant?: string;
  /** Resolved to absolute instants. */
  injects: Inject[];
  /** The legal clocks' awareness instant on the scenario's timeline. */
  awareAt?: string;
  /** How many of `injects` (in order) the drill has recorded (`drill.inject`) so far; absent while none. */
  injectsRecorded?: number;
}

export type DrillChannel = 'slack' | 'pagerduty' | 'email';

export type Inject =
  | { kind: 'channel-down'; channel: DrillChannel; from: string; until: string }
  | { kind: 'responder-silent'; responder: string; from: string; until?: string }
  | { kind: 'alert'; at: string; title: string; severity: Severity; dataCategories?: string[] };

/** The workflow type of drills (the workflow function's name); incidents are `incident`. */
export const DRILL_WORKFLOW_TYPE = 'drill';

/** Every drill id starts so: the ledger's flag, and what real metrics and reports skip. */
export const DRILL_ID_PREFIX = 'drill-';

const STAMP = /^\d{14}$/;
const HEX6 = /^[0-9a-f]{6}$/;

/** `yyyyMMddHHmmss` in UTC. */
function stamp(at: Date): string {
  return at.toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

/**
 * A drill's id (its workflow id): `drill-<tenant>-<yyyyMMddHHmmss UTC>-<6 hex>`. `random` gives
 * the six hex digits (the caller's randomness: core has none), so two drills started in the same
 * second differ.
 */
export function drillIdFor(tenant: string, startedAt: Date, random: string): string {
  if (!HEX6.test(random)) throw new Error('a drill id needs six lower-case hex digits');
  return `${DRILL_ID_PREFIX}${tenant}-${stamp(startedAt)}-${random}`;
}

/** The tenant part of a well-formed drill id, or undefined. */
function drillTenant(id: string): string | undefined {
  if (!id.startsWith(DRILL_ID_PREFIX)) return undefined;
  const rest = id.slice(DRILL_ID_PREFIX.length);
  // The tenant may contain "-": the last two parts are the stamp and the random digits.
  const parts = rest.split('-');
  if (parts.length < 3) return undefined;
  const [random, at] = [parts.pop() as string, parts.pop() as string];
  if (!HEX6.test(random) || !STAMP.test(at)) return undefined;
  const tenant = parts.join('-');
  return isValidTenant(tenant) ? tenant : undefined;
}

/** Whether `id` is a well-formed drill id. */
export function isDrillId(id: string): boolean {
  return drillTenant(id) !== undefined;
}

/** Whether `id` is a drill of one of `tenants`, read from the id alone (like isIncidentOf): exact, so `acme` does not own `acme-eu`'s drills. */
export function isDrillOf(id: string, tenants: readonly string[]): boolean {
  const tenant = drillTenant(id);
  return tenant !== undefined && tenants.includes(tenant);
}

/** Whether an incident or ledger id is a drill's: what real metrics and period reports skip. */
export function isDrillEvent(incidentId: string): boolean {
  return incidentId.startsWith(DRILL_ID_PREFIX);
}

/** The marks every outgoing message of a drill starts with, by medium. */
export const DRILL_MARKS = { slack: 'DRILL — ', email: '[DRILL] ', pagerduty: 'DRILL: ' } as const;

/** `text` with the drill's mark for `medium` when the incident is a drill, unchanged otherwise. */
export function drillMarked(s: { drill?: DrillFacts }, medium: keyof typeof DRILL_MARKS, text: string): string {
  return s.drill ? `${DRILL_MARKS[medium]}${text}` : text;
}

// Workflow-safe: workflow code imports this module; keep Node-only modules out (test/workflow/bundle.test.ts).
import { SEVERITIES } from '../alerts/severity';

/**
 * The shape of what arrives by signal, checked before the incident applies any of it. Klaxon's
 * API builds these from parsed, bounded input; anyone else with access to Temporal can send
 * anything, and a batch whose delivery ids were a string once counted its characters as
 * alerts before it failed. Only what the incident reads is checked (no zod here: the workflow
 * bundle stays free of it). Each answers the first problem, or undefined.
 */

type Check = (value: unknown) => boolean;
const isString: Check = (v) => typeof v === 'string';
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const listOf = (item: Check): Check => (v) => Array.isArray(v) && v.every(item);
const isSeverity: Check = (v) => (SEVERITIES as readonly unknown[]).includes(v);

/** The first field of `value` (an object) that fails its check; `optional` fields may be absent. */
function firstProblem(what: string, value: unknown, required: Record<string, Check>, optional: Record<string, Check> = {}): string | undefined {
  if (!isObject(value)) return `${what} is not an object`;
  for (const [field, check] of Object.entries(required)) if (!check(value[field])) return `${what}.${field} is missing or malformed`;
  for (const [field, check] of Object.entries(optional)) if (value[field] !== undefined && !check(value[field])) return `${what}.${field} is malformed`;
  return undefined;
}

const strings = listOf(isString);
const sampleAlert: Check = (a) => firstProblem('alert', a, { source: isString, title: isString, dedupKey: isString, tenant: isString, severity: isSeverity }) === undefined;
const member: Check = (m) => firstProblem('member', m, { deliveryId: isString, fingerprint: isString, startsAt: isString }) === undefined;
const memberRef: Check = (m) => firstProblem('member', m, { fingerprint: isString, startsAt: isString }) === undefined;

/** A batch of alerts (core/alerts/alert-batch.ts). */
export const alertBatchProblem = (batch: unknown): string | undefined =>
  firstProblem(
    'batch',
    batch,
    {
      deliveryIds: strings,
      sample: (v) => Array.isArray(v) && v.length > 0 && v.every(sampleAlert),
      severity: isSeverity,
      dataCategories: strings,
      firstReceivedAt: isString,
      lastReceivedAt: isString,
    },
    { surfaces: strings, jurisdictions: strings, members: listOf(member), unredacted: Array.isArray },
  );

/** A source's resolution (core/sources/source.ts). */
export const resolutionProblem = (resolution: unknown): string | undefined =>
  firstProblem(
    'resolution',
    resolution,
    { source: isString, title: isString, tenant: isString, dedupKey: isString, deliveryId: isString, resolvedAt: isString, labels: isObject },
    { member: memberRef },
  );

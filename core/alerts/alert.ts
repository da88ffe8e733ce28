import { z } from 'zod';
import type { AlertMember } from './alert-group';
import { TEXT_LIMITS } from '../shared/free-text';
import { SEVERITIES, type Severity } from './severity';
import { TENANT_PATTERN } from './tenant-name';

export { isValidTenant } from './tenant-name';

/** The longest alert title kept; sources' longer titles are cut (core/shared/free-text.ts has every limit). */
export const MAX_TITLE_LENGTH = TEXT_LIMITS.title;

/**
 * Klaxon's own alert format (`POST /v1/alerts/generic`). Unknown fields are rejected so a
 * misspelt field ("severty") is reported instead of silently defaulted.
 */
export const genericAlertSchema = z
  .object({
    title: z.string().trim().min(1).max(MAX_TITLE_LENGTH),
    severity: z.enum(SEVERITIES),
    dedupKey: z.string().min(1).max(TEXT_LIMITS.dedupKey).optional(),
    tenant: z.string().regex(TENANT_PATTERN, 'letters, digits, ".", "_" or "-", at most 128'),
    dataCategories: z.array(z.string().min(1).max(TEXT_LIMITS.dataCategory)).max(32).default([]),
    details: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();

/** An alert as the incident workflow receives it, whatever its source. */
export interface Alert {
  source: string;
  title: string;
  severity: Severity;
  dedupKey: string;
  tenant: string;
  dataCategories: string[];
  details: Record<string, unknown>;
  /** Identifies one delivery: a replay of the same request carries the same id. */
  deliveryId: string;
  receivedAt: string;
  /** Added by the classification rules (core/alerts/classification.ts) before the alert enters Temporal. */
  classification?: Classification;
  /** Set when the alert is one of a tool's notification group, and the group is the incident (core/alerts/alert-group.ts). */
  member?: AlertMember;
}

export class AlertValidationError extends Error {
  override readonly name = 'AlertValidationError';
  constructor(readonly problems: string[]) {
    super(problems.join('; '));
  }
}

/** Turns zod issues into sentences that name the field, e.g. `severity: expected one of SEV1…`. */
export function describeIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const path = issue.path.length ? issue.path.join('.') : '(body)';
    if (issue.code === 'unrecognized_keys') return `${path}: unknown field(s) ${issue.keys.join(', ')}`;
    // zod keeps no `input` on an issue (unless asked to), so a missing field is told by its message.
    if (issue.code === 'invalid_type' && / received undefined$/.test(issue.message)) return `${path}: is required`;
    return `${path}: ${issue.message}`;
  });
}

export function parseGenericAlert(body: unknown, meta: { deliveryId: string; receivedAt: string }): Alert {
  const result = genericAlertSchema.safeParse(body);
  if (!result.success) throw new AlertValidationError(describeIssues(result.error));
  const a = result.data;
  return {
    source: 'generic',
    title: a.title,
    severity: a.severity,
    // Without an explicit key, alerts with the same tenant and title group into one incident.
    dedupKey: a.dedupKey ?? `title:${a.title}`,
    tenant: a.tenant,
    dataCategories: [...new Set(a.dataCategories)],
    details: a.details,
    deliveryId: meta.deliveryId,
    receivedAt: meta.receivedAt,
  };
}

/** What classification adds to an alert. */
export interface Classification {
  service: string;
  surfaces: string[];
  jurisdictions: string[];
  /** The rule that matched, or undefined when none did (then the alert is flagged for triage). */
  rule?: string;
}

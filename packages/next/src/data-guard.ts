import { isValidTenant } from '../../../core/alerts/tenant-name';

export interface GuardOptions {
  /** The tenant a record belongs to (undefined: not tenant data). */
  tenantOf(record: unknown): string | undefined;
  /** Field names the app marks sensitive (compared without case), found at any depth of a record. */
  sensitiveFields?: string[];
  /** The records in a response body; default: an array's elements, or the body itself. */
  records?(body: unknown): unknown[];
  /** 'block': the response never leaves (the caller gets a neutral error); 'report': it leaves, Klaxon is told. */
  onViolation: 'block' | 'report';
}

export type Finding = 'cross-tenant' | 'sensitive-field';

export interface Inspection {
  records: number;
  /** Tenants other than the caller's found in the records (at most MAX_OTHER_TENANTS, valid names only). */
  otherTenants: string[];
  /** Sensitive field names found, as the app spelt them in `sensitiveFields` (never a value). */
  fields: string[];
}

export const MAX_OTHER_TENANTS = 20;
export const MAX_FIELDS = 50;
/** How deep into a record sensitive fields are looked for, and how many values at most per response. */
const MAX_DEPTH = 16;
const MAX_VISITS = 1_000_000;

export const recordsOf = (guard: Pick<GuardOptions, 'records'> | undefined, body: unknown): unknown[] => {
  if (guard?.records) return guard.records(body);
  return Array.isArray(body) ? body : body === null || body === undefined ? [] : [body];
};

/** The sensitive names present among the keys of `record`, at any depth up to MAX_DEPTH. */
function sensitiveNamesIn(record: unknown, wanted: Map<string, string>, found: Set<string>, budget: { visits: number }): void {
  const stack: Array<{ value: unknown; depth: number }> = [{ value: record, depth: 0 }];
  while (stack.length > 0 && budget.visits < MAX_VISITS && found.size < wanted.size) {
    const { value, depth } = stack.pop()!;
    budget.visits += 1;
    if (typeof value !== 'object' || value === null || depth > MAX_DEPTH) continue;
    if (Array.isArray(value)) {
      for (const item of value) stack.push({ value: item, depth: depth + 1 });
      continue;
    }
    for (const [key, child] of Object.entries(value)) {
      const name = wanted.get(key.toLowerCase());
      if (name !== undefined) found.add(name);
      stack.push({ value: child, depth: depth + 1 });
    }
  }
}

/**
 * What a response's records show against the caller's tenant: other tenants' records (the
 * cross-tenant pattern) and sensitive fields. Reads names and tenants only; values are never
 * kept, logged or returned.
 */
export function inspectRecords(records: unknown[], callerTenant: string, guard: GuardOptions): Inspection {
  const others = new Set<string>();
  const wanted = new Map((guard.sensitiveFields ?? []).map((f) => [f.toLowerCase(), f]));
  const fields = new Set<string>();
  const budget = { visits: 0 };
  for (const record of records) {
    const tenant = guard.tenantOf(record);
    if (tenant !== undefined && tenant !== callerTenant && others.size < MAX_OTHER_TENANTS) {
      // A tenant value outside Klaxon's alphabet is still a foreign record; it is named as such.
      others.add(isValidTenant(tenant) ? tenant : 'unnamed-tenant');
    }
    if (wanted.size > 0 && fields.size < wanted.size) sensitiveNamesIn(record, wanted, fields, budget);
  }
  return { records: records.length, otherTenants: [...others], fields: [...fields].slice(0, MAX_FIELDS) };
}

export function findingsOf(inspection: Inspection): Finding[] {
  return [...(inspection.otherTenants.length ? (['cross-tenant'] as const) : []), ...(inspection.fields.length ? (['sensitive-field'] as const) : [])];
}

/** A body's records, inspected when there is a guard, only counted (for the audit trail) when there is none. */
export function inspectBody(body: unknown, callerTenant: string, guard: GuardOptions | undefined): Inspection {
  return guard ? inspectRecords(recordsOf(guard, body), callerTenant, guard) : { records: recordsOf(undefined, body).length, otherTenants: [], fields: [] };
}

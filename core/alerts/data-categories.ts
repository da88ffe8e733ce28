// Workflow-safe: workflow code imports this module; keep Node-only modules out (test/workflow/bundle.test.ts).
import type { Policy } from '../policy/policy';
import { OBLIGATIONS } from '../regulation/regimes';

/**
 * How many data categories an incident keeps, and their total size (UTF-8 bytes). An alert
 * carries up to 32 categories of up to 64 characters, and every alert of an incident adds its
 * own: unbounded, they outgrow the workflow's state and the `KlaxonDataCategories` search
 * attribute (Temporal refuses a value over 2 KB, and then fails the workflow task, the
 * incident's paging with it). Real incidents name a handful; beyond these bounds a category
 * is counted, not kept.
 */
export const MAX_DATA_CATEGORIES = 32;
export const MAX_DATA_CATEGORIES_BYTES = 1024;

/**
 * Categories some rule matches on: the regimes' (which legal clocks apply) and those the
 * pinned policy names (level conditions, awareness, containment). They are kept
 * whatever the bounds say, so a sender cannot fill the bounds with made-up categories first
 * and keep a legal clock or a containment rule from seeing the category it waits for. There
 * are few of them, all from configuration.
 */
function namedByRules(policy: Policy): Set<string> {
  return new Set([
    ...OBLIGATIONS.flatMap((o) => o.dataCategories ?? []),
    ...policy.levels.flatMap((l) => l.when?.dataCategories ?? []),
    ...(policy.regulatory?.awareOn?.dataCategories ?? []),
    ...(policy.containment?.rules ?? []).flatMap((r) => r.when?.dataCategories ?? []),
  ]);
}

const utf8Bytes = (values: readonly string[]): number => values.reduce((n, v) => n + new TextEncoder().encode(v).length, 0);

/**
 * Adds the categories `kept` lacks, in the order they came, within the bounds (rule-named ones
 * always); answers how many were left out.
 */
export function keepDataCategories(kept: string[], incoming: readonly string[], policy: Policy): number {
  const named = namedByRules(policy);
  let left = 0;
  for (const c of incoming) {
    if (kept.includes(c)) continue;
    if (named.has(c) || (kept.length < MAX_DATA_CATEGORIES && utf8Bytes(kept) + utf8Bytes([c]) <= MAX_DATA_CATEGORIES_BYTES)) kept.push(c);
    else left += 1;
  }
  return left;
}

/**
 * Whether an alert (or an incident's facts) carries personal data: any data category at all.
 * Klaxon's categories (core/alerts/classification.ts) are each personal data or what exposes it
 * (credentials), and the regimes read them the same way: no category, no notification clock
 * (core/regulation/applicability.ts). A SEV1 carrying it pages even during maintenance.
 */
export const carriesPersonalData = (facts: { readonly dataCategories: readonly string[] }): boolean => facts.dataCategories.length > 0;

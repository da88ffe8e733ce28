import { defineSearchAttributeKey, SearchAttributeType, type SearchAttributePair, type TypedSearchAttributes } from '@temporalio/common';
import type { IncidentState } from '../core/incident/incident';

/**
 * Search attributes the incident workflow keeps current, so compliance queries go through
 * Temporal visibility instead of scanning. The dev server registers them at start
 * (`--search-attribute Name=Type`); production registers them with `temporal operator`.
 */
export const SEARCH_ATTRIBUTES = {
  status: defineSearchAttributeKey('KlaxonStatus', SearchAttributeType.KEYWORD),
  severity: defineSearchAttributeKey('KlaxonSeverity', SearchAttributeType.KEYWORD),
  tenant: defineSearchAttributeKey('KlaxonTenant', SearchAttributeType.KEYWORD),
  dataCategories: defineSearchAttributeKey('KlaxonDataCategories', SearchAttributeType.KEYWORD_LIST),
  /** Where the affected data subjects are (EU, DE, US-CA…): compliance lists incidents per jurisdiction. */
  jurisdictions: defineSearchAttributeKey('KlaxonJurisdictions', SearchAttributeType.KEYWORD_LIST),
  /** The nearest deadline of the incident's open legal clocks, so `--deadline-within` is a visibility query. */
  nextDeadline: defineSearchAttributeKey('KlaxonNextDeadline', SearchAttributeType.DATETIME),
} as const;

const CLI_TYPES = { KEYWORD: 'Keyword', KEYWORD_LIST: 'KeywordList', DATETIME: 'Datetime' } as const;

/** `Name=Type` pairs as the Temporal CLI takes them. */
export const SEARCH_ATTRIBUTE_FLAGS = Object.values(SEARCH_ATTRIBUTES).map((k) => `${k.name}=${CLI_TYPES[k.type as keyof typeof CLI_TYPES]}`);

/**
 * The most of a keyword list published, in bytes of its JSON. Temporal refuses a search
 * attribute value over 2 KB (`limit.searchAttributesSizeOfValue`) and all of a workflow's over
 * 40 KB, and a refused upsert fails the workflow task: the incident would stop paging. What an
 * incident keeps is bounded already (core/alerts/data-categories.ts; jurisdictions come from the rules
 * file); this bound holds whatever a state restored from an earlier version carries.
 */
export const MAX_KEYWORD_LIST_BYTES = 1536;

/** The leading values of `values` whose JSON fits MAX_KEYWORD_LIST_BYTES. */
export function publishableKeywords(values: readonly string[]): string[] {
  const out: string[] = [];
  let bytes = 2;
  for (const v of values) {
    bytes += new TextEncoder().encode(JSON.stringify(v)).length + 1;
    if (bytes > MAX_KEYWORD_LIST_BYTES) break;
    out.push(v);
  }
  return out;
}

/** The attributes an incident's state shows in lists: status, severity, tenant, data, jurisdictions. */
export function stateAttributes(s: IncidentState): SearchAttributePair[] {
  return [
    { key: SEARCH_ATTRIBUTES.status, value: s.status },
    { key: SEARCH_ATTRIBUTES.severity, value: s.severity },
    { key: SEARCH_ATTRIBUTES.tenant, value: s.tenant },
    { key: SEARCH_ATTRIBUTES.dataCategories, value: publishableKeywords(s.dataCategories) },
    { key: SEARCH_ATTRIBUTES.jurisdictions, value: publishableKeywords(s.jurisdictions) },
  ];
}

/** Whether the attributes a run started with already show `s` (the API gives them with the start). */
export function startedWithState(started: TypedSearchAttributes, s: IncidentState): boolean {
  // Temporal keeps no empty keyword list: a list given empty reads back as absent.
  return stateAttributes(s).every(({ key, value }) => JSON.stringify(started.get(key) ?? (Array.isArray(value) ? [] : null)) === JSON.stringify(value));
}

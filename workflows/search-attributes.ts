import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

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

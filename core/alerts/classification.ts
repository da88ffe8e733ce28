import { z } from 'zod';
import { matchesPattern, patternSchema } from '../shared/patterns';
import { describeIssues, isValidTenant, type Alert, type Classification } from './alert';
import { SEVERITIES } from './severity';
import type { SourceResolution } from '../sources/source';
import { groupingSchema } from '../sources/grouping';
import { vercelRulesSchema } from '../sources/vercel-rules';

/**
 * Classification rules: configuration that maps an alert to its tenant, service, severity,
 * data categories, affected surfaces and jurisdictions. The first rule whose `match` holds
 * applies; an alert no rule matches keeps what its source said, gets the defaults, and is
 * flagged for triage. Nothing is ever dropped.
 */
export const DATA_CATEGORIES = ['personal-data', 'special-category-data', 'payment-card', 'credentials', 'health'] as const;
export const SURFACES = ['api-route', 'edge-function', 'server-rendered-page', 'tenant-admin', 'user-provisioning', 'app-settings'] as const;
/** ISO 3166 country, optionally with a subdivision (US-CA), or EU for the Union as a whole. */
const jurisdiction = z.string().regex(/^[A-Z]{2}(-[A-Z0-9]{1,3})?$/, 'a jurisdiction like EU, UK, DE or US-CA');

const ruleSchema = z
  .object({
    name: z.string().min(1),
    match: z
      .object({
        source: z.string().optional(),
        tenant: z.string().optional(),
        title: patternSchema.optional(),
        /** Label (or tag) name → pattern its value must match. */
        labels: z.record(z.string(), patternSchema).optional(),
      })
      .strict(),
    set: z
      .object({
        tenant: z.string().refine(isValidTenant, 'letters, digits, ".", "_" or "-"').optional(),
        service: z.string().min(1).optional(),
        severity: z.enum(SEVERITIES).optional(),
        dataCategories: z.array(z.enum(DATA_CATEGORIES)).optional(),
        surfaces: z.array(z.enum(SURFACES)).optional(),
        jurisdictions: z.array(jurisdiction).optional(),
      })
      .strict(),
  })
  .strict();

const rulesFileSchema = z
  .object({
    rules: z.array(ruleSchema).default([]),
    /** One incident per Alertmanager / Grafana notification group, or per alert (core/sources/grouping.ts). */
    grouping: groupingSchema,
    vercel: vercelRulesSchema.default({ projects: {}, detectors: [] }),
    defaults: z
      .object({ service: z.string().min(1).default('unclassified'), jurisdictions: z.array(jurisdiction).default([]) })
      .strict()
      .default({ service: 'unclassified', jurisdictions: [] }),
  })
  .strict();

export type ClassificationRules = z.infer<typeof rulesFileSchema>;
export type Rule = z.infer<typeof ruleSchema>;

export class RulesError extends Error {
  override readonly name = 'RulesError';
}

/** Validates parsed rules (from YAML or JSON); errors name the rule by position and name. */
export function parseRules(data: unknown, file: string): ClassificationRules {
  const parsed = rulesFileSchema.safeParse(data ?? {});
  if (parsed.success) return parsed.data;
  const rules = (data as { rules?: Array<{ name?: unknown }> } | null)?.rules;
  const problems = parsed.error.issues.map((issue) => {
    const [top, index, ...rest] = issue.path;
    const detectors = (data as { vercel?: { detectors?: Array<{ name?: unknown }> } } | null)?.vercel?.detectors;
    if (top === 'vercel' && index === 'detectors' && typeof rest[0] === 'number') {
      const d = rest[0];
      const name = detectors?.[d]?.name;
      return `vercel detector ${d + 1}${typeof name === 'string' ? ` "${name}"` : ''}${rest.length > 1 ? `, ${rest.slice(1).join('.')}` : ''}: ${issue.message}`;
    }
    const where =
      top === 'rules' && typeof index === 'number'
        ? `rule ${index + 1}${typeof rules?.[index]?.name === 'string' ? ` "${rules[index].name}"` : ''}${rest.length ? `, ${rest.join('.')}` : ''}`
        : issue.path.join('.') || '(file)';
    return `${where}: ${describeIssues(new z.ZodError([{ ...issue, path: [] }]))[0].replace(/^\(body\): /, '')}`;
  });
  throw new RulesError(`${file}: ${problems.join('; ')}`);
}

function labelsOf(alert: Alert): Record<string, unknown> {
  const labels = alert.details.labels;
  return labels && typeof labels === 'object' ? (labels as Record<string, unknown>) : {};
}

function matches(rule: Rule, alert: Alert): boolean {
  const m = rule.match;
  if (m.source !== undefined && m.source !== alert.source) return false;
  if (m.tenant !== undefined && m.tenant !== alert.tenant) return false;
  if (m.title !== undefined && !matchesPattern(m.title, alert.title)) return false;
  const labels = labelsOf(alert);
  for (const [name, p] of Object.entries(m.labels ?? {})) {
    const value = labels[name];
    if (typeof value !== 'string' || !matchesPattern(p, value)) return false;
  }
  return true;
}

/**
 * Gives a source's resolution the tenant the rules give its alert, so it reaches the same
 * incident (matched on what the resolution repeats of the alert: source, title, labels).
 */
export function classifyResolution(resolution: SourceResolution, rules: ClassificationRules): SourceResolution {
  const asAlert: Alert = {
    source: resolution.source,
    title: resolution.title,
    severity: 'SEV4',
    dedupKey: resolution.dedupKey,
    tenant: resolution.tenant,
    dataCategories: [],
    details: { labels: resolution.labels },
    deliveryId: resolution.deliveryId,
    receivedAt: resolution.resolvedAt,
  };
  const rule = rules.rules.find((r) => matches(r, asAlert));
  return rule?.set.tenant ? { ...resolution, tenant: rule.set.tenant } : resolution;
}

/** Applies the first matching rule; an unmatched alert keeps its own fields and is flagged for triage. */
export function classify(alert: Alert, rules: ClassificationRules): Alert & { classification: Classification } {
  const rule = rules.rules.find((r) => matches(r, alert));
  if (!rule) {
    return {
      ...alert,
      details: { ...alert.details, triage: alert.details.triage ?? 'no classification rule matched' },
      classification: { service: rules.defaults.service, surfaces: [], jurisdictions: rules.defaults.jurisdictions },
    };
  }
  const s = rule.set;
  return {
    ...alert,
    tenant: s.tenant ?? alert.tenant,
    severity: s.severity ?? alert.severity,
    dataCategories: [...new Set([...alert.dataCategories, ...(s.dataCategories ?? [])])],
    classification: {
      service: s.service ?? rules.defaults.service,
      surfaces: s.surfaces ?? [],
      jurisdictions: s.jurisdictions ?? rules.defaults.jurisdictions,
      rule: rule.name,
    },
  };
}

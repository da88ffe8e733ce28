import { z } from 'zod';
import { patternSchema } from '../shared/patterns';
import { SEVERITIES } from '../alerts/severity';

/**
 * How Vercel log lines become alerts: the `vercel` section of the rules file. A detector
 * fires on a log line whose message matches a pattern (e.g. a response that carries fields
 * tagged sensitive), or on a spike: so many responses with given status codes on given
 * paths within a window (e.g. 401/403 on admin routes).
 */

const common = {
  /** Part of the key of its spike windows in the ledger database, whose text holds no NUL. */
  name: z.string().min(1).max(200).regex(/^[^\u0000]+$/, 'holds a NUL character'),
  severity: z.enum(SEVERITIES),
  dataCategories: z.array(z.string().min(1)).default([]),
  /** Only lines whose request path matches. */
  paths: patternSchema.optional(),
};

const detectorSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('message'), ...common, pattern: patternSchema }).strict(),
  z
    .object({
      kind: z.literal('status-spike'),
      ...common,
      statuses: z.array(z.number().int().min(100).max(599)).min(1),
      threshold: z.number().int().min(1),
      /** Whole seconds, up to a day: a window's start is a whole number of ms, and its lines are kept a while beyond it. */
      windowSeconds: z.number().int().min(1).max(86_400).default(60),
    })
    .strict(),
]);

export const vercelRulesSchema = z
  .object({
    /** Vercel project id → tenant. */
    projects: z.record(z.string(), z.string()).default({}),
    detectors: z.array(detectorSchema).default([]),
  })
  .strict();

export type VercelRules = z.infer<typeof vercelRulesSchema>;
export type VercelDetector = z.infer<typeof detectorSchema>;

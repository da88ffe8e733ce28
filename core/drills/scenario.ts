import { LineCounter, parseDocument, type Document } from 'yaml';
import { z } from 'zod';
import { SEVERITIES, type Severity } from '../alerts/severity';
import { TENANT_PATTERN } from '../alerts/tenant-name';
import { TEXT_LIMITS } from '../shared/free-text';
import type { DrillChannel, Inject } from './drill';
import { injectStart } from './injects';

/** A scenario file is read whole: bigger than this is refused before it is parsed. */
export const MAX_SCENARIO_BYTES = 64 * 1024;
export const MAX_INJECTS = 50;
/** No offset, window or awareness lies further than this from the drill's start. */
export const MAX_OFFSET_MINUTES = 30 * 24 * 60;

/**
 * A drill scenario (YAML): what alert opens the drill's incident, when the legal clocks'
 * awareness lies, and the injects over time (examples/drills/ has three).
 *
 *   name: client-side-pii-leak
 *   tenant: acme
 *   alert: { title: PII in browser logs, severity: SEV2, dataCategories: [email] }
 *   clock: { awareAgo: 60h }
 *   injects:
 *     - { at: 0m, kind: channel-down, channel: slack, minutes: 10 }
 */
export interface Scenario {
  name: string;
  description?: string;
  tenant: string;
  sandboxTenant?: string;
  alert: ScenarioAlert;
  /** Minutes before the start at which the organisation became aware (the legal clocks' start). */
  awareAgoMinutes?: number;
  injects: ScenarioInject[];
}

export interface ScenarioAlert {
  title: string;
  severity: Severity;
  service?: string;
  dataCategories?: string[];
  jurisdictions?: string[];
  surfaces?: string[];
}

/** An inject as the file says it: minutes after the drill's start. */
export type ScenarioInject =
  | { atMinutes: number; kind: 'channel-down'; channel: DrillChannel; minutes: number }
  | { atMinutes: number; kind: 'responder-silent'; responder: string; minutes?: number }
  | { atMinutes: number; kind: 'alert'; title: string; severity: Severity; dataCategories?: string[] };

/** A scenario that cannot be used: where (file, line, field) and why; `problems` holds every one found. */
export class ScenarioError extends Error {
  override readonly name = 'ScenarioError';
  readonly file: string;
  readonly line?: number;
  readonly field: string;
  constructor(
    file: string,
    readonly problems: Array<{ line?: number; field: string; message: string }>,
  ) {
    super(problems.map((p) => `${file}:${p.line ?? '?'}: ${p.field}: ${p.message}`).join('\n'));
    this.file = file;
    this.line = problems[0]?.line;
    this.field = problems[0]?.field ?? '(file)';
  }
}

const DURATION = /^(\d{1,6})([mhd])$/;
const UNIT_MINUTES = { m: 1, h: 60, d: 24 * 60 } as const;

/** `20m`, `60h`, `2d` (bare numbers are minutes), within 30 days. */
const duration = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const m = typeof v === 'number' ? (Number.isInteger(v) && v >= 0 ? [String(v), String(v), 'm'] : null) : DURATION.exec(v);
  const minutes = m ? Number(m[1]) * UNIT_MINUTES[m[2] as keyof typeof UNIT_MINUTES] : NaN;
  if (!(minutes >= 0 && minutes <= MAX_OFFSET_MINUTES)) {
    ctx.addIssue({ code: 'custom', message: 'a duration such as 10m, 60h or 2d, at most 30 days' });
    return z.NEVER;
  }
  return minutes;
});
const windowMinutes = z.number().int('whole minutes').min(1).max(MAX_OFFSET_MINUTES, 'at most 30 days');
const name = (max: number) => z.string().trim().min(1).max(max);
const oneLine = (max: number) => name(max).regex(/^[^\r\n\t]*$/, 'one line');
const tenant = z.string().regex(TENANT_PATTERN, 'letters, digits, ".", "_" or "-", at most 128');
const keywords = z.array(oneLine(TEXT_LIMITS.dataCategory)).max(32);

const injectSchema = z.discriminatedUnion('kind', [
  z.object({ at: duration, kind: z.literal('channel-down'), channel: z.enum(['slack', 'pagerduty', 'email']), minutes: windowMinutes }).strict(),
  z.object({ at: duration, kind: z.literal('responder-silent'), responder: oneLine(128), minutes: windowMinutes.optional() }).strict(),
  z.object({ at: duration, kind: z.literal('alert'), title: oneLine(TEXT_LIMITS.title), severity: z.enum(SEVERITIES), dataCategories: keywords.optional() }).strict(),
]);

const scenarioSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9](?:[a-z0-9-]{0,63})$/, 'lower-case letters, digits and "-", at most 64'),
    description: name(500).optional(),
    tenant,
    sandboxTenant: tenant.optional(),
    alert: z
      .object({ title: oneLine(TEXT_LIMITS.title), severity: z.enum(SEVERITIES), service: oneLine(128).optional(), dataCategories: keywords.optional(), jurisdictions: keywords.optional(), surfaces: keywords.optional() })
      .strict(),
    clock: z.object({ awareAgo: duration }).strict().optional(),
    injects: z.array(injectSchema).max(MAX_INJECTS, `at most ${MAX_INJECTS} injects`).default([]),
  })
  .strict()
  .refine((s) => s.sandboxTenant === undefined || s.sandboxTenant !== s.tenant, { message: 'must not be the scenario\'s own tenant: a sandbox is another tenant', path: ['sandboxTenant'] });

/** The line of the node at `path`, or of its nearest ancestor that exists. */
function lineOf(doc: Document, lines: LineCounter, path: Array<string | number>): number | undefined {
  for (let n = path.length; n >= 0; n--) {
    const node = doc.getIn(path.slice(0, n), true) as { range?: [number, number, number] } | undefined;
    if (node?.range) return lines.linePos(node.range[0]).line;
  }
  return undefined;
}

/** Reads a scenario file; every problem is reported at once, each with its line and field. */
export function parseScenario(text: string, file: string): Scenario {
  if (Buffer.byteLength(text, 'utf8') > MAX_SCENARIO_BYTES) throw new ScenarioError(file, [{ field: '(file)', message: `is larger than ${MAX_SCENARIO_BYTES / 1024} KiB` }]);
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
  if (doc.errors.length) {
    // Only YAML's first line: the lines after it quote the file.
    throw new ScenarioError(file, doc.errors.map((e) => ({ line: e.linePos?.[0].line, field: '(file)', message: e.message.split('\n')[0] })));
  }
  // maxAliasCount bounds what an alias bomb could expand to.
  const parsed = scenarioSchema.safeParse(doc.toJS({ maxAliasCount: 100 }) as unknown);
  if (!parsed.success) {
    throw new ScenarioError(
      file,
      parsed.error.issues.flatMap((i) => {
        const path = i.path as Array<string | number>;
        // A misspelt field is reported where it stands, by name.
        const at = (p: Array<string | number>, message: string) => ({ line: lineOf(doc, lines, p), field: p.join('.') || '(file)', message });
        if (i.code === 'unrecognized_keys') return i.keys.map((key) => at([...path, key], 'unknown field'));
        // zod keeps no input on an issue: a missing field is told by its message.
        return [at(path, i.code === 'invalid_type' && / received undefined$/.test(i.message) ? 'is required' : i.message)];
      }),
    );
  }
  const s = parsed.data;
  return {
    name: s.name,
    ...(s.description ? { description: s.description } : {}),
    tenant: s.tenant,
    ...(s.sandboxTenant ? { sandboxTenant: s.sandboxTenant } : {}),
    alert: s.alert,
    ...(s.clock ? { awareAgoMinutes: s.clock.awareAgo } : {}),
    injects: s.injects.map(({ at, ...rest }) => ({ atMinutes: at, ...rest }) as ScenarioInject),
  };
}

/** The scenario's injects (in order of their start) and awareness as instants, for a drill that starts at `start`. */
export function resolveScenario(scenario: Scenario, start: Date): { injects: Inject[]; awareAt?: string } {
  const t = (minutes: number) => new Date(start.getTime() + minutes * 60_000).toISOString();
  const injects = scenario.injects.map((i): Inject => {
    switch (i.kind) {
      case 'channel-down':
        return { kind: 'channel-down', channel: i.channel, from: t(i.atMinutes), until: t(i.atMinutes + i.minutes) };
      case 'responder-silent':
        return { kind: 'responder-silent', responder: i.responder, from: t(i.atMinutes), ...(i.minutes !== undefined ? { until: t(i.atMinutes + i.minutes) } : {}) };
      case 'alert':
        return { kind: 'alert', at: t(i.atMinutes), title: i.title, severity: i.severity, ...(i.dataCategories ? { dataCategories: i.dataCategories } : {}) };
    }
  });
  // In order of their start (stable): the drill records them in this order (core/drills/injects.ts).
  injects.sort((a, b) => injectStart(a) - injectStart(b));
  return { injects, ...(scenario.awareAgoMinutes !== undefined ? { awareAt: t(-scenario.awareAgoMinutes) } : {}) };
}

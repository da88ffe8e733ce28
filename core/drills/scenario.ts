import { LineCounter, parseDocument, type Document } from 'yaml';
import { z } from 'zod';
import { SEVERITIES, type Severity } from '../alerts/severity';
import { TENANT_PATTERN } from '../alerts/tenant-name';
import { TEXT_LIMITS, textProblem } from '../shared/free-text';
import type { DrillChannel, Inject } from './drill';
import { injectStart } from './injects';

/** A scenario file is read whole: bigger than this is refused before it is parsed. */
export const MAX_SCENARIO_BYTES = 64 * 1024;
/** A request carrying a scenario as a JSON string: JSON escaping may double the YAML's size (quotes, line breaks), and a few short fields go with it. */
export const MAX_SCENARIO_REQUEST_BYTES = 2 * MAX_SCENARIO_BYTES + 4096;
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
// Any input, so that a number past every range (1e400 reads as Infinity) is told what a duration is.
const duration = z.unknown().transform((v, ctx) => {
  const m = typeof v === 'number' ? (Number.isInteger(v) && v >= 0 ? [String(v), String(v), 'm'] : null) : typeof v === 'string' ? DURATION.exec(v) : null;
  const minutes = m ? Number(m[1]) * UNIT_MINUTES[m[2] as keyof typeof UNIT_MINUTES] : NaN;
  if (!(minutes >= 0 && minutes <= MAX_OFFSET_MINUTES)) {
    ctx.addIssue({ code: 'custom', message: 'a duration such as 10m, 60h or 2d, at most 30 days' });
    return z.NEVER;
  }
  return minutes;
});
const windowMinutes = z.number().int('whole minutes').min(1).max(MAX_OFFSET_MINUTES, 'at most 30 days');
/**
 * Text the drill stores and sends: as an alert's (core/shared/free-text.ts), no NUL (PostgreSQL's
 * JSON refuses it, which would block the drill's ledger), no other control character (it rewrites
 * a terminal or a log line), and for one-line fields no tab or line break.
 */
const text = (max: number, oneLine = false) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .superRefine((v, ctx) => {
      const problem = textProblem(v, { max, oneLine });
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    });
const oneLine = (max: number) => text(max, true);
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
    description: text(500).optional(),
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

/**
 * Flow collections (`[…]`, `{…}`) nested deeper than this are refused before the file is parsed:
 * the YAML parser recurses into each, and 64 KiB of `[` overflows its stack after blocking the
 * API's event loop (where alerts arrive) for a good part of a second.
 */
const MAX_FLOW_DEPTH = 64;
/** After these (or at a line's start) a quote opens a quoted scalar; anywhere else (`don't`, `[a 'b`) it is text. */
const BEFORE_SCALAR = '[{,:?-';

/**
 * The line at which flow collections nest deeper than MAX_FLOW_DEPTH, read in one pass; quoted
 * scalars, comments and plain text outside any collection (`title: don't [x]`) skipped.
 */
function tooDeepAt(text: string): number | undefined {
  let [depth, line, quote, comment, plain] = [0, 1, '', false, false];
  // The last character that is not white space on this line ('' at its start).
  let last = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\n') line += 1;
    const before = last;
    if (c === '\n') last = '';
    else if (!/\s/.test(c)) last = c;
    if (comment) comment = c !== '\n';
    else if (plain) {
      // Plain text outside a collection runs to the line's end, a key's `: ` or a comment.
      if (c === '\n' || (c === ':' && /\s/.test(text[i + 1] ?? ' '))) plain = false;
      else if (c === '#' && /\s/.test(text[i - 1])) [plain, comment] = [false, true];
    } else if (quote === '"') {
      if (c === '\\') i += 1;
      else if (c === '"') quote = '';
    } else if (quote === "'") {
      if (c === "'" && text[i + 1] === "'") i += 1;
      else if (c === "'") quote = '';
    } else if (c === '#' && (i === 0 || /\s/.test(text[i - 1]))) comment = true;
    else if ((c === '"' || c === "'") && (before === '' || BEFORE_SCALAR.includes(before))) quote = c;
    else if (depth === 0 && !/[\s[{\]}\-:?,]/.test(c)) plain = true;
    else if (c === '[' || c === '{') {
      if (++depth > MAX_FLOW_DEPTH) return line;
    } else if (c === ']' || c === '}') depth = Math.max(0, depth - 1);
  }
  return undefined;
}

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
  const deepAt = tooDeepAt(text);
  if (deepAt !== undefined) throw new ScenarioError(file, [{ line: deepAt, field: '(file)', message: `nests [ ] and { } deeper than ${MAX_FLOW_DEPTH} levels` }]);
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
  if (doc.errors.length) {
    // Only YAML's first line: the lines after it quote the file.
    throw new ScenarioError(file, doc.errors.map((e) => ({ line: e.linePos?.[0].line, field: '(file)', message: e.message.split('\n')[0] })));
  }
  // maxAliasCount bounds what an alias bomb could expand to; yaml refuses one with a ReferenceError, told as the file's problem.
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    throw new ScenarioError(file, [{ field: '(file)', message: `its aliases expand too far (${(err as Error).message})` }]);
  }
  const parsed = scenarioSchema.safeParse(data);
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

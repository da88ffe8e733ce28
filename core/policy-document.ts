import { LineCounter, parseDocument, type Document } from 'yaml';
import { z } from 'zod';
import { policyProblems, PolicyError, type Policy } from './policy';

/**
 * A policy file (YAML, KLAXON_POLICY_FILE): responders and the escalation ladder. Errors name
 * the file, the line and column, and the field. Teams and conditions come later.
 *
 *   name: platform
 *   responders:
 *     - { name: alice, slackUserId: U0ALICE, timeZone: Europe/Berlin }
 *   schedules:
 *     - name: primary
 *       layers:
 *         - { name: weekly, members: [alice], zone: Europe/Berlin, start: 2026-01-05T09:00, turn: { weeks: 1 } }
 *   levels:
 *     - { targets: [{ schedule: primary }], timeoutMinutes: 10 }
 *     - { targets: [alice], timeoutMinutes: 10 }
 *   repeat: 2
 *   autoResolve: false
 */
const policySchema = z
  .object({
    name: z.string().min(1),
    responders: z.array(z.object({ name: z.string().min(1), slackUserId: z.string(), timeZone: z.string() }).strict()).min(1),
    schedules: z
      .array(
        z
          .object({
            name: z.string().min(1),
            layers: z
              .array(
                z
                  .object({
                    name: z.string().min(1),
                    members: z.array(z.string()).min(1),
                    zone: z.string(),
                    start: z.string(),
                    turn: z.object({ days: z.number().positive().optional(), weeks: z.number().positive().optional(), hours: z.number().positive().optional() }).strict(),
                    hours: z.object({ from: z.string(), to: z.string() }).strict().optional(),
                  })
                  .strict(),
              )
              .min(1),
            overrides: z.array(z.object({ responder: z.string(), from: z.string(), to: z.string() }).strict()).default([]),
          })
          .strict(),
      )
      .default([]),
    levels: z
      .array(
        z
          .object({
            targets: z.array(z.union([z.string(), z.object({ schedule: z.string() }).strict()])).min(1),
            timeoutMinutes: z.number().positive(),
          })
          .strict(),
      )
      .min(1),
    repeat: z.number().int().min(0).default(2),
    autoResolve: z.boolean().default(false),
  })
  .strict();

/** `file:line:column` of the node at `path`, or of its nearest ancestor that exists. */
function locate(doc: Document, lines: LineCounter, file: string, path: Array<string | number>): string {
  for (let n = path.length; n >= 0; n--) {
    const node = doc.getIn(path.slice(0, n), true) as { range?: [number, number, number] } | undefined;
    if (node?.range) {
      const { line, col } = lines.linePos(node.range[0]);
      return `${file}:${line}:${col}`;
    }
  }
  return file;
}

export function parsePolicyDocument(text: string, file: string): Policy {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
  if (doc.errors.length) {
    throw new PolicyError(doc.errors.map((e) => `${file}:${e.linePos?.[0].line ?? '?'}:${e.linePos?.[0].col ?? '?'}: ${e.message}`).join('\n'));
  }
  const fail = (problems: Array<{ path: Array<string | number>; message: string }>): never => {
    throw new PolicyError(problems.map((p) => `${locate(doc, lines, file, p.path)}: ${p.path.join('.') || '(file)'}: ${p.message}`).join('\n'));
  };
  const parsed = policySchema.safeParse(doc.toJS());
  if (!parsed.success) {
    return fail(
      parsed.error.issues.flatMap((i) => {
        const path = i.path as Array<string | number>;
        // A misspelt field is reported where it stands, by name.
        return i.code === 'unrecognized_keys' ? i.keys.map((key) => ({ path: [...path, key], message: 'unknown field' })) : [{ path, message: i.message }];
      }),
    );
  }
  const problems = policyProblems(parsed.data);
  if (problems.length) return fail(problems);
  return parsed.data;
}

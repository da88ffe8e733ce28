import { z } from 'zod';

/**
 * Case-insensitive regular expressions from configuration (classification rules, Vercel
 * detectors): checked when the configuration loads, compiled once, matched per alert.
 *
 * They run over outside text (titles, label values, log lines), and JavaScript's engine
 * backtracks: `(a+)+$` takes exponential time, and every further unbounded repetition
 * multiplies the time a text that does not match takes (`.*foo` over 100 KB of `a`: 5 s).
 * So the shapes that explode are refused at load (see shapeProblem), and a pattern sees at
 * most the first MAX_PATTERN_INPUT characters of a value: with one unbounded repetition, the
 * work per value stays in milliseconds whatever the sender writes.
 */
export const MAX_PATTERN_INPUT = 4096;

const compiled = new Map<string, RegExp>();

export function matchesPattern(pattern: string, value: string): boolean {
  let re = compiled.get(pattern);
  if (!re) {
    re = new RegExp(pattern, 'i');
    compiled.set(pattern, re);
  }
  return re.test(value.length > MAX_PATTERN_INPUT ? value.slice(0, MAX_PATTERN_INPUT) : value);
}

/** A bounded repetition above this counts as unbounded: `\d{1,3}` is a small one, `.{0,5000}` is not. */
const SMALL_REPEAT = 16;

/** The repetition at `at` (`*`, `+`, `?`, `{n}`, `{n,}`, `{n,m}`), if one starts there: its length and how far it repeats. */
function repetitionAt(p: string, at: number): { length: number; max: number } | undefined {
  if (p[at] === '*' || p[at] === '+') return { length: 1, max: Infinity };
  if (p[at] === '?') return { length: 1, max: 1 };
  const braces = /^\{(\d+)(,(\d*))?\}/.exec(p.slice(at, at + 24));
  if (!braces) return undefined;
  const max = braces[2] === undefined ? Number(braces[1]) : braces[3] === '' ? Infinity : Number(braces[3]);
  return { length: braces[0].length, max };
}

/** Why a pattern could take more than linear-ish time on hostile text, or undefined. */
function shapeProblem(p: string): string | undefined {
  let unbounded = 0;
  let inClass = false;
  let afterGroup = false;
  for (let i = 0; i < p.length; i += 1) {
    const c = p[i];
    if (c === '\\') {
      if (!inClass && /[1-9k]/.test(p[i + 1] ?? '')) return 'a backreference (\\1, \\k<name>) can take exponential time; match without one';
      i += 1;
      afterGroup = false;
      continue;
    }
    if (inClass) {
      inClass = c !== ']';
      continue;
    }
    const rep = repetitionAt(p, i);
    if (rep) {
      if (afterGroup && rep.max > 1) return 'a repeated group ((…)*, (…)+, (…){n,m}) can take exponential time on text that does not match; repeat single characters or classes instead';
      if (rep.max > SMALL_REPEAT) unbounded += 1;
      i += rep.length - 1;
      if (p[i + 1] === '?') i += 1; // lazy: the same repetition
      afterGroup = false;
      continue;
    }
    inClass = c === '[';
    afterGroup = c === ')';
    if (c === '(' && p[i + 1] === '?') i += 1; // (?: (?= (?! (?<…: a group's kind, not a repetition
  }
  if (unbounded > 1) return `${unbounded} unbounded repetitions (*, +, {n,}): each one more multiplies the time a text that does not match takes; use one (a leading or trailing .* is never needed)`;
  return undefined;
}

export const patternSchema = z.string().superRefine((value, ctx) => {
  try {
    new RegExp(value, 'i');
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: `not a regular expression: ${(err as Error).message}` });
    return;
  }
  const problem = shapeProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: `refused: ${problem}` });
});

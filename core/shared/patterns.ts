import { RE2JS } from 're2js';
import { z } from 'zod';

/**
 * Case-insensitive regular expressions from configuration (classification rules, Vercel
 * detectors): checked when the configuration loads, compiled once, matched per alert.
 *
 * They run over outside text (titles, label values, log lines), so they are compiled with
 * RE2 (re2js, a pure-JS port), whose matching time is linear in the text whatever the
 * pattern: no shape of pattern can make a hostile value freeze the process, as JavaScript's
 * backtracking engine can (`a{0,16}a{0,16}a{0,16}a{0,16}a{0,16}b` over 4 KB of `a`: 12 s).
 * The price is RE2's syntax: no backreferences and no lookaround, refused at load.
 */
const compiled = new Map<string, RE2JS>();

/**
 * A pattern sees at most the first MAX_PATTERN_INPUT characters of a value. RE2 is linear,
 * but its factor grows with the pattern's compiled size (a `[a-z]{1000}` is a thousand
 * states to track per character when its automaton falls back to simulation), so the cap
 * still bounds the work one value can cost to something independent of what the sender
 * writes. Rules look for markers near the start of titles, labels and log lines.
 */
export const MAX_PATTERN_INPUT = 4096;

function compile(pattern: string): RE2JS {
  let re = compiled.get(pattern);
  if (!re) {
    re = RE2JS.compile(pattern, RE2JS.CASE_INSENSITIVE);
    compiled.set(pattern, re);
  }
  return re;
}

export function matchesPattern(pattern: string, value: string): boolean {
  return compile(pattern).test(value.length > MAX_PATTERN_INPUT ? value.slice(0, MAX_PATTERN_INPUT) : value);
}

export const patternSchema = z.string().superRefine((value, ctx) => {
  try {
    compile(value);
  } catch (err) {
    ctx.addIssue({
      code: 'custom',
      message: `not a regular expression RE2 accepts (${(err as Error).message}); patterns run in linear time, so backreferences (\\1, \\k<name>) and lookaround ((?=, (?!, (?<=, (?<!) are not supported`,
    });
  }
});

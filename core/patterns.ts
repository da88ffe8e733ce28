import { z } from 'zod';

/**
 * Case-insensitive regular expressions from configuration (classification rules, Vercel
 * detectors): checked when the configuration loads, compiled once, matched per alert.
 */
const compiled = new Map<string, RegExp>();

export function matchesPattern(pattern: string, value: string): boolean {
  let re = compiled.get(pattern);
  if (!re) {
    re = new RegExp(pattern, 'i');
    compiled.set(pattern, re);
  }
  return re.test(value);
}

export const patternSchema = z.string().superRefine((value, ctx) => {
  try {
    new RegExp(value, 'i');
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: `not a regular expression: ${(err as Error).message}` });
  }
});

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { parseRules } from '../../core/alerts/classification';
import { vercelRulesSchema } from '../../core/sources/vercel-rules';
import { matchesPattern, patternSchema } from '../../core/shared/patterns';
import { cpuMs } from '../support/cpu-time';


/** Operator patterns run over outside text: whatever their shape, matching stays linear. */
describe('configured patterns', () => {
  it('match hostile values in milliseconds whatever the pattern, chains of small repeats and nested repeats included', () => {
    const a = `${'a'.repeat(4095)}!`;
    // Each took seconds to minutes with JavaScript's backtracking engine (12 s and 245 s for the first two).
    for (const pattern of ['a{0,16}a{0,16}a{0,16}a{0,16}a{0,16}b', '\\w{0,16}\\w{0,16}\\w{0,16}\\w{0,16}\\w{0,16}\\w{0,16}@', '.*a{0,16}a{0,16}a{0,16}b', '(?:a|ab|abc)+$', '(a+)+$', '^(a|aa)*b', '.*card.*number']) {
      expect(patternSchema.safeParse(pattern).success).toBe(true);
      const { value: matched, ms } = cpuMs(() => matchesPattern(pattern, a));
      expect([pattern, matched, ms < 1000]).toEqual([pattern, false, true]);
    }
  });

  it('refuse at load what RE2 cannot run in linear time, naming the rule and why', () => {
    const refusal = (p: string) => {
      const r = patternSchema.safeParse(p);
      return r.success ? undefined : r.error.issues[0].message;
    };
    for (const p of ['(\\w+)=\\1', '(?<n>a)\\k<n>', 'secret(?=:)', 'x(?!y)', '(?<=a)b', '(?<!a)b']) expect([p, refusal(p)]).toEqual([p, expect.stringMatching(/backreferences .* and lookaround .* are not supported/)]);
    expect(refusal('([')).toMatch(/^not a regular expression RE2 accepts/);
    // What operators write is taken.
    for (const fine of ['^TenantDataServedCrossTenant$', '"(ssn|password|card_number)"\\s*:', '^/api/', '(?:eu|us)-\\d{1,3}.*', '[(*+)]{2}\\(x\\)+', 'ip \\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}']) expect([fine, refusal(fine)]).toEqual([fine, undefined]);
    expect(() => parseRules(parse('rules:\n  - name: lookahead\n    match: { title: "secret(?=:)" }\n    set: { service: s }\n'), 'rules.yaml')).toThrow(/rule 1 "lookahead", match\.title: not a regular expression RE2 accepts.*lookaround/);
    const detector = vercelRulesSchema.safeParse({ detectors: [{ kind: 'message', name: 'echo', severity: 'SEV2', pattern: '(\\w+) \\1' }] });
    expect(detector.success ? undefined : detector.error.issues[0]).toMatchObject({ path: ['detectors', 0, 'pattern'], message: expect.stringMatching(/backreferences/) });
    expect(parseRules(parse(readFileSync(join(__dirname, '../fixtures/rules.yaml'), 'utf8')), 'rules.yaml').rules).toHaveLength(3);
  });

  it('match a huge hostile value in milliseconds, case-insensitively, and still find what stands in its first 4,096 characters', () => {
    const value = 'a'.repeat(256 * 1024);
    const { value: matched, ms } = cpuMs(() => matchesPattern('.*foo', value));
    expect({ matched, fast: ms < 100 }).toEqual({ matched: false, fast: true });
    expect(matchesPattern('"(ssn|password)"\\s*:', `{"PASSWORD": "x"}${value}`)).toBe(true);
    expect(matchesPattern('leak', `${value}leak`)).toBe(false);
  });
});

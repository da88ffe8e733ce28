import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { parseRules } from '../../core/classification';
import { matchesPattern, patternSchema } from '../../core/patterns';

/** Operator patterns run over outside text: the shapes that backtrack without end are refused, the rest stays fast. */
describe('configured patterns', () => {
  it('refuses the shapes that backtrack exponentially or multiply, naming why', () => {
    const refusal = (p: string) => {
      const r = patternSchema.safeParse(p);
      return r.success ? undefined : r.error.issues[0].message;
    };
    expect(refusal('(a+)+$')).toMatch(/repeated group/);
    expect(refusal('^(a|aa)*b')).toMatch(/repeated group/);
    expect(refusal('(\\w+)=\\1')).toMatch(/backreference/);
    expect(refusal('\\d+\\d+x')).toMatch(/2 unbounded repetitions/);
    expect(refusal('.*card.*number')).toMatch(/2 unbounded repetitions/);
    expect(refusal('x.{0,5000}y.*z')).toMatch(/2 unbounded repetitions/);
    // What operators write, and what only looks like a repetition, is taken.
    for (const fine of ['^TenantDataServedCrossTenant$', '"(ssn|password|card_number)"\\s*:', '^/api/', '(?:eu|us)-\\d{1,3}.*', '[(*+)]{2}\\(x\\)+', 'a(?=b)?c+?', 'ip \\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}']) expect([fine, refusal(fine)]).toEqual([fine, undefined]);
    expect(() => parseRules(parse('rules:\n  - name: slow\n    match: { title: "(x+)+y" }\n    set: { service: s }\n'), 'rules.yaml')).toThrow(/rule 1 "slow", match.title: refused: a repeated group/);
    expect(parseRules(parse(readFileSync(join(__dirname, '../fixtures/rules.yaml'), 'utf8')), 'rules.yaml').rules).toHaveLength(3);
  });

  it('match a huge hostile value in milliseconds, and still find what stands in its first 4,096 characters', () => {
    const value = 'a'.repeat(256 * 1024);
    const start = process.cpuUsage();
    expect(matchesPattern('.*foo', value)).toBe(false);
    const used = process.cpuUsage(start);
    expect((used.user + used.system) / 1000).toBeLessThan(100);
    expect(matchesPattern('"(ssn|password)"\\s*:', `{"password": "x"}${value}`)).toBe(true);
  });
});

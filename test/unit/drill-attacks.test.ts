import { forbiddenDrill } from '../../client/drills';
import { clockNoticeEmail, emailMessage } from '../../core/channels/email-message';
import { policiesOfTenant } from '../../core/policy/routing';
import { resolveModal } from '../../core/channels/slack-message';
import type { DrillFacts } from '../../core/drills/drill';
import { parseScenario, ScenarioError } from '../../core/drills/scenario';
import { Incident } from '../../core/incident/incident';
import { obligationById } from '../../core/regulation/regimes';
import { sampleAlert, samplePolicy } from '../support/samples';

/** What an attacker's and an auditor's review of drills found (issue 22), each pinned by a test. */

const at = '2026-12-06T10:00:00.000Z';
const facts: DrillFacts = { drillId: 'drill-acme-20261206100000-a1b2c3', scenario: 'pii-leak', startedBy: 'alice', injects: [] };
const drill = Incident.open(facts.drillId, samplePolicy, sampleAlert({ tenant: 'acme' }), at, undefined, facts).snapshot();
const real = Incident.open('inc-acme-0123456789abcdef', samplePolicy, sampleAlert({ tenant: 'acme' }), at).snapshot();

function refusal(text: string): ScenarioError {
  try {
    parseScenario(text, 'drill.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(ScenarioError);
    return err as ScenarioError;
  }
  throw new Error('expected the scenario to be refused');
}

describe('a drill e-mail', () => {
  const notice = { obligation: 'gdpr-art33', kind: 'reminder' as const, label: '24h', dueAt: '2026-12-09T10:00:00.000Z', sequence: 1 };

  it('says DRILL in its body too, not only its subject: a forwarded or previewed body must not pass for a real page', () => {
    for (const m of [emailMessage(drill, { responder: 'alice', level: 1 }), clockNoticeEmail(drill, notice, obligationById('gdpr-art33'), 'dpo')]) {
      expect(m.subject.startsWith('[DRILL] ')).toBe(true);
      expect(m.text.startsWith('[DRILL] ')).toBe(true);
      expect(m.html.startsWith('<h2>[DRILL] ')).toBe(true);
    }
    const r = emailMessage(real, { responder: 'alice', level: 1 });
    expect(r.text).not.toContain('DRILL');
    expect(r.html).not.toContain('DRILL');
  });
});

describe('a drill in Slack', () => {
  it('opens a resolve modal that says it resolves a drill', () => {
    const modal = resolveModal(drill) as { title: { text: string }; blocks: Array<{ text?: { text: string } }> };
    expect(modal.title.text).toMatch(/^DRILL/);
    expect(modal.title.text.length).toBeLessThanOrEqual(24);
    expect(modal.blocks[0].text?.text.startsWith('DRILL — ')).toBe(true);
    expect((resolveModal(real) as { title: { text: string } }).title.text).toBe('Resolve incident');
  });
});

describe('a hostile scenario', () => {
  const scenario = (title: string, extra = '') => `name: x\ntenant: acme\nalert: { title: "${title}", severity: SEV2 }\n${extra}`;

  it('may not carry control characters (NUL, ESC, C1) in any text the drill stores, named by field and line', () => {
    // PostgreSQL's JSON refuses NUL: a drill holding one would block its own ledger; ESC rewrites a terminal.
    expect(refusal(scenario('PII\\0 in logs')).problems).toEqual([expect.objectContaining({ field: 'alert.title', line: 3, message: expect.stringContaining('U+0000') })]);
    expect(refusal(scenario('PII \\e[2J', 'description: "ok"\n')).problems[0]).toMatchObject({ field: 'alert.title', message: expect.stringContaining('U+001B') });
    expect(refusal(scenario('PII', 'description: "a\\x85b"\n')).problems[0]).toMatchObject({ field: 'description', line: 4 });
    expect(refusal(scenario('PII', 'injects:\n  - { at: 1m, kind: responder-silent, responder: "al\\x07ice" }\n')).problems[0]).toMatchObject({ field: 'injects.0.responder' });
    expect(refusal(scenario('PII', 'injects:\n  - { at: 1m, kind: alert, title: "x\\x1b", severity: SEV1, dataCategories: ["e\\0"] }\n')).problems.map((p) => p.field)).toEqual(['injects.0.title', 'injects.0.dataCategories.0']);
    // Multi-line text stays allowed where the field takes it.
    expect(parseScenario(scenario('PII', 'description: "two\\nlines"\n'), 'drill.yaml').description).toBe('two\nlines');
  });
});

describe('a scenario bomb', () => {
  it('is refused as a ScenarioError (a 400 over the API), never another error (a 500)', () => {
    // "Billion laughs": nine lists of nine aliases of the one before, 9^9 strings once expanded.
    const lists = ['a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
    for (let i = 1; i < 9; i++) lists.push(`${'abcdefghi'[i]}: &${'abcdefghi'[i]} [${Array(9).fill(`*${'abcdefghi'[i - 1]}`).join(', ')}]`);
    let thrown: unknown;
    try {
      parseScenario(`name: x\ntenant: acme\nalert: { title: t, severity: SEV2 }\ndescription:\n  ${lists.join('\n  ')}\n`, 'bomb.yaml');
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ScenarioError);
    expect((thrown as ScenarioError).problems).toEqual([{ field: '(file)', message: expect.stringContaining('aliases') }]);
  });

  it('nests [ ] and { } 64 levels at most, refused before the parser recurses (and overflows its stack)', () => {
    const nested = (n: number, open = '[', close = ']') => `name: x\ntenant: acme\nalert: { title: t, severity: SEV2 }\ndescription: ${open.repeat(n)}${close.repeat(n)}\n`;
    expect(refusal(nested(30_000)).problems).toEqual([{ line: 4, field: '(file)', message: 'nests [ ] and { } deeper than 64 levels' }]);
    expect(refusal(nested(65, '{a: ', '}')).problems[0].message).toBe('nests [ ] and { } deeper than 64 levels');
    // A quote inside a word of a collection is text to YAML, not a string that would hide what follows.
    expect(refusal(nested(65, "[a 'b, ", ']')).problems[0].message).toBe('nests [ ] and { } deeper than 64 levels');
    // Within the bound the file is read as YAML (here, a list where text belongs); brackets in quotes, comments and words are text.
    expect(refusal(nested(64)).problems[0]).toMatchObject({ field: 'description', message: expect.stringContaining('expected string') });
    const brackets = '['.repeat(100);
    expect(parseScenario(`name: x\ntenant: acme # ${brackets}\nalert: { title: "${brackets}", severity: SEV2, service: 'it''s ${brackets}' }\ndescription: don't ${brackets}\n`, 'ok.yaml').alert.title).toBe(brackets);
  });

  it('says what a duration is when a number is out of any range (1e400 reads as Infinity)', () => {
    let thrown: unknown;
    try {
      parseScenario('name: x\ntenant: acme\nalert: { title: t, severity: SEV2 }\nclock: { awareAgo: 1e400 }\n', 'huge.yaml');
    } catch (err) {
      thrown = err;
    }
    expect((thrown as ScenarioError).problems).toEqual([{ line: 4, field: 'clock.awareAgo', message: 'a duration such as 10m, 60h or 2d, at most 30 days' }]);
  });
});

describe('a drill started by a token bound to a tenant', () => {
  const acmeScenario = parseScenario('name: x\ntenant: acme\nalert: { title: PII, severity: SEV2 }\n', 'drill.yaml');
  const named = (name: string) => ({ ...samplePolicy, name });
  const book = {
    policies: [named('fallback'), named('acme-oncall'), named('acme-sev1'), named('globex-oncall'), named('after-catch-all')],
    routes: [
      { policy: 'globex-oncall', match: { tenant: ['globex'] } },
      { policy: 'acme-sev1', match: { tenant: ['acme'], severity: ['SEV1' as const] } },
      { policy: 'acme-oncall', match: { tenant: ['acme'] } },
      { policy: 'after-catch-all', match: { tenant: ['acme'] } },
    ],
  };

  it('drills only under a policy its tenant’s alerts are routed to: another tenant’s responders are not its to page', () => {
    expect(forbiddenDrill(['acme'], acmeScenario, 'globex-oncall', book)).toBe('may not drill under policy "globex-oncall": no alert of tenant "acme" is routed to it');
    // The catch-all acme route takes every acme alert: neither the route after it nor the fallback is reached.
    expect(forbiddenDrill(['acme'], acmeScenario, 'after-catch-all', book)).toContain('may not drill under policy "after-catch-all"');
    expect(forbiddenDrill(['acme'], acmeScenario, 'fallback', book)).toContain('may not drill under policy "fallback"');
    expect(forbiddenDrill(['acme'], acmeScenario, 'acme-sev1', book)).toBeUndefined();
    expect(forbiddenDrill(['acme'], acmeScenario, 'acme-oncall', book)).toBeUndefined();
    expect(forbiddenDrill(['globex'], acmeScenario, 'acme-oncall', book)).toBe('may not drill tenant "acme"');
    // A token bound to no tenant drills under any policy; an unknown one is startDrill's to name.
    expect(forbiddenDrill(undefined, acmeScenario, 'globex-oncall', book)).toBeUndefined();
    expect(forbiddenDrill(['acme'], acmeScenario, 'nope', book)).toBeUndefined();
    expect(policiesOfTenant({ policies: [samplePolicy], routes: [] }, 'acme')).toEqual([samplePolicy.name]);
  });
});

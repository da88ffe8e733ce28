import { createHash } from 'node:crypto';
import { evidenceCsv, evidenceMarkdown, evidencePack, type EvidenceEvent } from '../../core/audit/evidence';
import { Incident } from '../../core/incident/incident';
import { sampleAlert, samplePolicy } from '../support/samples';

/** An incident as the core records it, its events numbered and hashed as the ledger would. */
function recorded(title: string, note: string, actorName = 'alice') {
  const incident = Incident.open('inc-acme-0123456789abcdef', samplePolicy, sampleAlert({ title, dedupKey: 'csv-4111111111111111', receivedAt: '2026-11-24T13:59:05.220Z' }), '2026-11-24T13:59:05.300Z');
  incident.acknowledge({ responder: 'alice', via: 'cli' }, '2026-11-24T14:01:00.000Z');
  incident.resolve({ responder: 'alice', via: 'cli' }, '2026-11-24T14:30:00.000Z', note);
  const events: EvidenceEvent[] = incident.takeEvents().map((e, i) => ({
    seq: i + 1,
    kind: e.kind,
    occurredAt: e.at,
    actor: e.actor.type === 'responder' ? { ...e.actor, name: actorName } : e.actor,
    payload: { ...e.payload },
    hash: createHash('sha256').update(JSON.stringify(e)).digest('hex'),
  }));
  return { state: incident.snapshot(), events };
}

describe('evidence packs', () => {
  it('redact free text only: instants, dedup keys and ids stay exactly as recorded', () => {
    const { state, events } = recorded('Rows of jane@example.com served to globex', 'told jane@example.com');
    const pack = evidencePack(state, events, { ok: true }, '2026-11-25T09:00:00.000Z');
    const items = pack.sections.flatMap((s) => s.items);
    const received = items.find((i) => i.kind === 'alert.received')!.detail;
    expect(received).toMatchObject({ title: 'Rows of [email] served to globex', dedupKey: 'csv-4111111111111111', firstReceivedAt: '2026-11-24T13:59:05.220Z', lastReceivedAt: '2026-11-24T13:59:05.220Z', deliveryIds: ['d1'] });
    expect(items.find((i) => i.kind === 'incident.resolved')!.detail).toEqual({ note: 'told [email]' });
    expect(pack.incident).toMatchObject({ title: 'Rows of [email] served to globex', resolved: { note: 'told [email]', at: '2026-11-24T14:30:00.000Z' } });
  });

  it("turn no review text into a link: an item '[email]: https://…' would define a link target for every redacted '[email]' of the pack", () => {
    const { state, events } = recorded('Rows of jane@example.com served to globex', 'told jane@example.com');
    const review = {
      status: 'submitted',
      owner: 'alice',
      dueAt: '2026-12-01T16:00:00.000Z',
      findings: { summary: 'See [the runbook](https://evil.example/login)', rootCause: '![x](https://evil.example/pixel.png)', contributingFactors: ['[email]: https://evil.example/phish'], wentWell: [], wentBadly: [] },
      actions: [{ n: 1, title: '[Verify your account][email]', owner: 'bob', dueAt: '2026-12-20T00:00:00.000Z', status: 'open' }],
    };
    const md = evidenceMarkdown(evidencePack(state, events, { ok: true }, '2026-11-25T09:00:00.000Z', undefined, review));
    // What a CommonMark reader takes for a link, an image or a link reference definition: an unescaped `[`.
    expect(md.match(/(^|[^\\])\[[^\]\n]*\]\s*[([:]/gm)).toBeNull();
    expect(md).toContain('- \\[email\\]: https://evil.example/phish');
    expect(md).toContain('**Summary**: See \\[the runbook\\](https://evil.example/login)');
  });

  it('keep the Markdown table whole whatever a title or note holds', () => {
    const { state, events } = recorded('Leak | of rows\r\nsecond line <img src=x onerror=alert(1)>', 'fixed |\nreally', 'a|b');
    const md = evidenceMarkdown(evidencePack(state, events, { ok: true }, '2026-11-25T09:00:00.000Z'));
    const table = md.split('\n').filter((l) => l.startsWith('|'));
    // Each row has as many cell separators as its table's header: 3 or 7 (a `\` escapes the next character).
    const separators = (line: string) => line.replace(/\\./g, '').split('|').length - 1;
    expect(table.filter((l) => ![3, 7].includes(separators(l)))).toEqual([]);
    expect(md).toContain('| Title | Leak \\| of rows<br>second line &lt;img src=x onerror=alert(1)&gt; |');
    expect(md).not.toContain('<img');
    expect(md).toContain('by alice: fixed \\|<br>really |');
    expect(md).toContain('| incident.resolved | responder:a\\|b via cli |');
  });

  it('file each event under the section its catalogue entry names', () => {
    const { state, events } = recorded('Leak', 'fixed');
    const pack = evidencePack(state, events, { ok: true }, '2026-11-25T09:00:00.000Z');
    expect(pack.sections.map((s) => [s.id, s.items.map((i) => i.kind)])).toEqual([
      ['detection', ['incident.opened', 'alert.received']],
      ['escalation', ['incident.acknowledged']],
      ['containment', []],
      ['notification', []],
      ['resolution', ['incident.resolved']],
      ['configuration', []],
      ['record', []],
    ]);
  });

  it('list under configuration changes the record that brought in the policy version the incident pinned, from its own stream', () => {
    const { state, events } = recorded('Leak', 'fixed');
    const pinned = events.map((e) => (e.kind === 'incident.opened' ? { ...e, payload: { ...e.payload, policyHash: 'h2' } } : e));
    const applied = (seq: number, at: string, hash: string): EvidenceEvent => ({
      seq,
      kind: 'configuration.applied',
      occurredAt: at,
      actor: { type: 'system', name: 'klaxon api on host' },
      payload: { variable: 'KLAXON_POLICY_FILE', file: '/config/policy.yaml', sha256: `file-${hash}`, trigger: 'poll', policies: [{ name: 'platform', hash }] },
      hash: `${seq}`.repeat(64).slice(0, 64),
    });
    const configuration = [
      applied(1, '2026-11-20T08:00:00.000Z', 'h1'),
      applied(2, '2026-11-22T08:00:00.000Z', 'h2'),
      { ...applied(3, '2026-11-23T08:00:00.000Z', 'h1'), kind: 'audit.read', payload: { what: 'timeline', path: '/v1/incidents/_configuration/timeline' } },
      // The same version again after the incident opened: not the one that was in force.
      applied(4, '2026-11-26T08:00:00.000Z', 'h2'),
    ];
    const pack = evidencePack(state, pinned, { ok: true }, '2026-11-27T09:00:00.000Z', { stream: '_configuration', events: configuration });
    const section = pack.sections.find((x) => x.id === 'configuration')!;
    expect(section).toMatchObject({ title: 'Configuration changes', controls: ['SOC 2 CC8.1', 'ISO 27001 A.8.9', 'ISO 27001 A.8.32'] });
    expect(section.items.map((i) => [i.stream, i.seq, i.kind])).toEqual([['_configuration', 2, 'configuration.applied']]);
    expect(evidenceMarkdown(pack)).toContain('| _configuration 2 | 2026-11-22T08:00:00.000Z | configuration.applied |');
    expect(evidenceCsv(pack)).toContain('_configuration,Configuration changes,');
  });

  it('list an event of a kind this Klaxon does not know apart, claiming no control, instead of under escalation', () => {
    const { state, events } = recorded('Leak', 'fixed');
    const newer: EvidenceEvent = { seq: events.length + 1, kind: 'future.kind', occurredAt: '2026-11-24T14:31:00.000Z', actor: { type: 'system', name: 'klaxon' }, payload: { note: 'told jane@example.com' }, hash: 'f'.repeat(64) };
    const pack = evidencePack(state, [...events, newer], { ok: true }, '2026-11-25T09:00:00.000Z');
    expect(pack.sections.find((s) => s.id === 'escalation')!.items.map((i) => i.kind)).not.toContain('future.kind');
    expect(pack.sections.at(-1)).toMatchObject({ id: 'unknown-kinds', controls: [], items: [{ seq: newer.seq, kind: 'future.kind', detail: { note: 'told [email]' } }] });
    expect(pack.sections.flatMap((s) => s.items)).toHaveLength(events.length + 1);
    const md = evidenceMarkdown(pack);
    expect(md).toContain('## Events of kinds this version of Klaxon does not know\n\nEvidences: no control claimed\n');
    expect(md).toContain('| future.kind |');
    expect(evidenceCsv(pack)).toContain(',Events of kinds this version of Klaxon does not know,,');
  });
});

import { drillReport, type TimelineEvent } from '../../core/drills/drill-report';
import { drillReportCsv, drillReportMarkdown } from '../../core/drills/drill-report-formats';
import { drillYear, drillYearCsv, drillYearMarkdown } from '../../core/drills/drill-year';
import type { IncidentState } from '../../core/incident/incident';

const DRILL = 'drill-acme-20261201100000-a1b2c3';
const at = (hhmm: string, day = '2026-12-01') => `${day}T${hhmm}:00.000Z`;

/**
 * A drill as its workflow would have left it: Slack down 10:00–10:10 and alice silent; level 1
 * (alice) pages at 10:00, her Slack message fails and e-mail takes over at 10:02; nobody answers,
 * level 2 (bob, carol who has no channel) pages at 10:10; bob acknowledges at 10:13; isolation
 * is planned in dry-run; GDPR Art. 33 is filed 2 hours before its deadline.
 */
function drillState(overrides: Partial<IncidentState> = {}): IncidentState {
  return {
    incidentId: DRILL,
    status: 'acknowledged',
    title: 'PII in browser logs',
    severity: 'SEV2',
    tenant: 'acme',
    dataCategories: ['email'],
    service: 'web',
    surfaces: [],
    jurisdictions: ['EU'],
    policyName: 'platform',
    openedAt: at('10:00'),
    alertCount: 1,
    lastAlertAt: at('10:00'),
    drill: {
      drillId: DRILL,
      scenario: 'client-side-pii-leak',
      startedBy: 'schedule:drill-schedule-quarterly',
      scheduleId: 'drill-schedule-quarterly',
      injects: [
        { kind: 'channel-down', channel: 'slack', from: at('10:00'), until: at('10:10') },
        { kind: 'responder-silent', responder: 'alice', from: at('10:00'), until: at('10:30') },
      ],
      awareAt: at('22:00', '2026-11-28'),
    },
    level: 2,
    pass: 1,
    ladderExhausted: false,
    levels: [
      { level: 1, pass: 1, trigger: 1, at: at('10:00'), paged: ['alice'] },
      { level: 2, pass: 1, trigger: 1, at: at('10:10'), paged: ['bob', 'carol'] },
    ],
    pages: [
      { level: 1, pass: 1, responder: 'alice', at: at('10:00'), failed: 'slack is down (drill inject)', notifications: [{ channel: 'email', at: at('10:02') }] },
      { level: 2, pass: 1, responder: 'bob', at: at('10:10'), channel: 'C1', ts: '1.2' },
    ],
    acks: [{ by: 'bob', at: at('10:13'), via: 'cli' }],
    acknowledgedBy: 'bob',
    acknowledgedAt: at('10:13'),
    containment: [{ id: 'a1', spec: { kind: 'isolate-tenant', mode: 'read-only' }, tenant: 'acme', mode: 'automatic', status: 'approved', requestedBy: 'klaxon', requestedAt: at('10:00') }],
    clocks: [
      {
        obligation: 'gdpr-art33',
        trigger: 'aware',
        startedAt: at('22:00', '2026-11-28'),
        dueAt: at('22:00'),
        reminders: [],
        status: 'filed',
        fired: [],
        filing: { filedAt: at('20:00'), by: 'dpo', recipient: 'CNIL', reference: 'R-1', late: false },
      },
    ],
    ...overrides,
  };
}

const event = (kind: string, occurredAt: string, payload: Record<string, unknown>, actor: TimelineEvent['actor'] = { type: 'system', name: 'klaxon' }): TimelineEvent => ({ kind, occurredAt, actor, payload });

const timeline: TimelineEvent[] = [
  event('drill.started', at('10:00'), { scenario: 'client-side-pii-leak', policy: 'platform', startedBy: 'schedule:drill-schedule-quarterly' }),
  event('containment.dry_run', at('10:00'), { action: 'a1', spec: { kind: 'isolate-tenant' }, tenant: 'acme', plan: 'would set acme read-only in Edge Config' }),
  event('target.unreachable', at('10:10'), { level: 2, pass: 1, target: 'carol', reason: 'no channel: the responder has no Slack user id, PagerDuty service or email' }),
  event('incident.acknowledged', at('10:13'), { level: 2 }, { type: 'responder', name: 'bob', via: 'cli' }),
];

describe('the drill report', () => {
  it('gives minutes to acknowledge per level and per responder', () => {
    const r = drillReport(drillState(), timeline);
    expect(r.acknowledge.byLevel).toEqual([
      { level: 1, pass: 1, pagedAt: at('10:00'), responders: ['alice'], escalatedAfterMinutes: 10 },
      { level: 2, pass: 1, pagedAt: at('10:10'), responders: ['bob', 'carol'], acknowledgedBy: 'bob', acknowledgedAt: at('10:13'), minutesToAcknowledge: 3 },
    ]);
    expect(r.acknowledge.byResponder).toEqual([
      { responder: 'alice', level: 1, pagedAt: at('10:00') },
      { responder: 'bob', level: 2, pagedAt: at('10:10'), acknowledgedAt: at('10:13'), minutesToAcknowledge: 3 },
    ]);
    expect(r).toMatchObject({ drillId: DRILL, scenario: 'client-side-pii-leak', policy: 'platform', tenant: 'acme', startedBy: 'schedule:drill-schedule-quarterly', scheduleId: 'drill-schedule-quarterly', startedAt: at('10:00'), result: 'pass' });
    expect(r.controls).toEqual(['SOC 2 CC7.4', 'SOC 2 CC7.5', 'ISO 27001 A.5.24', 'ISO 27001 A.5.26', 'ISO 27001 A.5.27']);
  });

  it('takes the acknowledgement from the state while the ledger has not caught up', () => {
    const r = drillReport(drillState(), timeline.filter((e) => e.kind !== 'incident.acknowledged'));
    expect(r.acknowledge.byLevel[1]).toMatchObject({ acknowledgedBy: 'bob', minutesToAcknowledge: 3 });
  });

  it('names who was unreachable on which channel, the fail-over, the containment plan and the clocks', () => {
    const r = drillReport(drillState(), timeline);
    expect(r.unreachable).toEqual([
      { responder: 'alice', channel: 'slack', reason: 'slack is down (drill inject)', at: at('10:00') },
      { responder: 'carol', channel: 'none', reason: 'no channel: the responder has no Slack user id, PagerDuty service or email', at: at('10:10') },
    ]);
    expect(r.failovers).toEqual([{ responder: 'alice', from: 'slack', to: 'email', failedAt: at('10:00'), tookOverAt: at('10:02'), minutesAfterPage: 2 }]);
    expect(r.containment).toEqual([{ action: 'a1', kind: 'isolate-tenant', tenant: 'acme', outcome: 'dry-run', plan: 'would set acme read-only in Edge Config', at: at('10:00') }]);
    expect(r.clocks).toEqual([{ obligation: 'gdpr-art33', dueAt: at('22:00'), filedAt: at('20:00'), met: true }]);
  });

  it('says in plain sentences what the figures show', () => {
    expect(drillReport(drillState(), timeline).findings).toEqual([
      'level 1 (alice) did not answer within its 10 minutes',
      'acknowledged by bob at level 2 after 13 min',
      'Slack was down 10 min: e-mail took over for alice after 2 min',
      'alice was silent (inject)',
      'carol could not be paged at all: no channel: the responder has no Slack user id, PagerDuty service or email',
      'gdpr-art33 was filed 2 h before its deadline',
    ]);
  });

  it('fails a drill nobody acknowledged, whose clock passed unfiled, or whose containment failed', () => {
    const silent = drillReport(drillState({ acks: [], status: 'triggered' }), timeline.filter((e) => e.kind !== 'incident.acknowledged'), at('23:00'));
    expect(silent.result).toBe('fail');
    expect(silent.findings).toContain('nobody acknowledged the drill');
    const unfiled = drillState({ clocks: [{ ...drillState().clocks![0], status: 'overdue', filing: undefined }] });
    expect(drillReport(unfiled, timeline, at('21:00'))).toMatchObject({ result: 'pass', clocks: [{ met: false }] });
    const late = drillReport(unfiled, timeline, at('23:00'));
    expect(late.result).toBe('fail');
    expect(late.findings).toContain(`gdpr-art33 was not filed by its deadline ${at('22:00')}`);
    const failed = drillState({ containment: [{ ...drillState().containment![0], status: 'failed', failure: 'sandbox adapter refused' }] });
    const contained = drillReport(failed, timeline.filter((e) => e.kind !== 'containment.dry_run'));
    expect(contained).toMatchObject({ result: 'fail', containment: [{ outcome: 'failed', plan: 'sandbox adapter refused' }] });
    expect(contained.findings).toContain('containment a1 (isolate-tenant) failed: sandbox adapter refused');
  });

  it('refuses an incident that is no drill', () => {
    expect(() => drillReport(drillState({ drill: undefined, incidentId: 'inc-acme-0123456789abcdef' }), [])).toThrow('inc-acme-0123456789abcdef is an incident, not a drill');
  });
});

describe('the drill report as CSV and Markdown', () => {
  const HOSTILE = '=HYPERLINK("http://evil")|x\n<script>alert(1)</script>';
  const hostile = () => {
    const state = drillState();
    state.drill!.scenario = HOSTILE;
    state.pages[0].failed = `-cmd|' /C calc'!A0 <img src=x onerror=alert(1)>`;
    return drillReport(state, [...timeline, event('containment.dry_run', at('10:01'), { action: 'a9', spec: { kind: 'isolate-tenant' }, tenant: 'acme', plan: '@SUM(1+1)|plan' })]);
  };

  it('CSV: one row per figure, no cell a spreadsheet would run', () => {
    const csv = drillReportCsv(hostile());
    expect(csv.split('\n')[0]).toBe('drill,section,item,at,minutes,detail');
    expect(csv).toContain(`${DRILL},acknowledge by responder,bob,${at('10:10')},3,"level 2, acknowledged ${at('10:13')}"`);
    expect(csv).toContain(`${DRILL},failover,alice,${at('10:02')},2,slack failed at ${at('10:00')}; email took over`);
    expect(csv).toContain(`"'=HYPERLINK(""http://evil"")|x\n<script>alert(1)</script>"`);
    expect(csv).toContain(`isolate-tenant on acme: dry-run; @SUM(1+1)|plan`);
    // Every cell that starts like a formula is quoted text.
    const cells = csv.match(/(?<=^|,)("(?:[^"]|"")*"|[^,\n]*)/gm)!;
    expect(cells.filter((c) => /^"?[=+\-@]/.test(c))).toEqual([]);
  });

  it('Markdown: tables stay whole and no HTML runs', () => {
    const md = drillReportMarkdown(hostile());
    expect(md).not.toMatch(/<script|<img/);
    expect(md).toContain('| Scenario | =HYPERLINK("http://evil")\\|x<br>&lt;script&gt;alert(1)&lt;/script&gt; |');
    expect(md).toContain('| alice | slack | 2026-12-01T10:00:00.000Z | -cmd\\|\' /C calc\'!A0 &lt;img src=x onerror=alert(1)&gt; |');
    for (const heading of ['## Findings', '## Time to acknowledge, per level', '## Unreachable', '## Fail-overs', '## Containment']) expect(md).toContain(heading);
    // Each table row has as many cell separators as its header (a `\` escapes the next character).
    const tables = md.split('\n\n').filter((b) => b.startsWith('|'));
    for (const t of tables) {
      const counts = t.trim().split('\n').map((l) => l.replace(/\\./g, '').split('|').length);
      expect([t, new Set(counts).size]).toEqual([t, 1]);
    }
  });
});

describe('the year of drills', () => {
  const reportAt = (day: string, passed: boolean) => {
    const state = drillState({ openedAt: `${day}T10:00:00.000Z`, levels: [{ level: 1, pass: 1, trigger: 1, at: `${day}T10:00:00.000Z`, paged: ['bob'] }], pages: [{ level: 1, pass: 1, responder: 'bob', at: `${day}T10:00:00.000Z` }] });
    state.drill = { ...state.drill!, drillId: `drill-acme-${day.replace(/-/g, '')}100000-a1b2c3`, injects: [] };
    state.clocks = [];
    state.acks = passed ? [{ by: 'bob', at: `${day}T10:04:00.000Z` }] : [];
    return drillReport(state, []);
  };
  const reports = [reportAt('2026-04-02', false), reportAt('2026-01-05', true), reportAt('2025-12-30', true)];

  it('lists every drill of the year with its result, and the quarters without one', () => {
    const y = drillYear(reports, 2026);
    expect(y).toMatchObject({ year: 2026, drills: 2, passed: 1 });
    expect(y.rows.map((r) => [r.drillId, r.result, r.minutesToAcknowledge])).toEqual([
      ['drill-acme-20260105100000-a1b2c3', 'pass', 4],
      ['drill-acme-20260402100000-a1b2c3', 'fail', undefined],
    ]);
    expect(y.quarters).toEqual([
      { quarter: 'Q1', drills: 1, passed: 1 },
      { quarter: 'Q2', drills: 1, passed: 0 },
      { quarter: 'Q3', drills: 0, passed: 0 },
      { quarter: 'Q4', drills: 0, passed: 0 },
    ]);
    expect(drillYearMarkdown(y)).toContain('2 drill(s), 1 passed. All times UTC. No drill in Q3, Q4.');
    expect(drillYearCsv(y).split('\n')).toEqual([
      'drill,scenario,policy,tenant,started_at,started_by,ended_at,result,minutes_to_acknowledge,findings',
      'drill-acme-20260105100000-a1b2c3,client-side-pii-leak,platform,acme,2026-01-05T10:00:00.000Z,schedule:drill-schedule-quarterly,,pass,4,acknowledged by bob at level 1 after 4 min',
      'drill-acme-20260402100000-a1b2c3,client-side-pii-leak,platform,acme,2026-04-02T10:00:00.000Z,schedule:drill-schedule-quarterly,,fail,,nobody acknowledged the drill',
      '',
    ]);
  });
});

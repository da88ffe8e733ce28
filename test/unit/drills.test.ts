import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { allChannelActivities } from '../../activities/channels';
import { loadConfig } from '../../config/environment';
import { runCli } from '../../client/cli/dispatch';
import { emailMessage } from '../../core/channels/email-message';
import { incidentChannelName } from '../../core/channels/incident-channel';
import { incidentMessage, statusReply } from '../../core/channels/slack-message';
import { containmentAlarm } from '../../core/escalation/alarms';
import { DEFAULT_SCENARIO, DEFAULT_SCENARIO_FILE } from '../../core/drills/default-scenario';
import { drillIdFor, isDrillEvent, isDrillId, isDrillOf, type DrillFacts } from '../../core/drills/drill';
import { dueInjects, injectedFailure, nextInjectAt } from '../../core/drills/injects';
import { parseScenario, resolveScenario, ScenarioError } from '../../core/drills/scenario';
import { Incident } from '../../core/incident/incident';
import { draftMarkdown, notificationDraft } from '../../core/regulation/drafts';
import { obligationById } from '../../core/regulation/regimes';
import { periodReport } from '../../core/audit/period-report';
import { visibilityQuery } from '../../client/incident-filter';
import type { LedgerEvent } from '../../ledger/event';
import { observeStoredEvent } from '../../telemetry/ledger-metrics';
import { incidentsOpened, notifications } from '../../telemetry/metrics';
import { sampleAlert, samplePolicy } from '../support/samples';

const examples = join(__dirname, '../../examples/drills');

const GOOD = `name: pii-leak
description: a drill
tenant: acme
alert: { title: PII in logs, severity: SEV2, dataCategories: [email], jurisdictions: [DE] }
clock: { awareAgo: 60h }
injects:
  - { at: 0m, kind: channel-down, channel: slack, minutes: 10 }
  - { at: 20m, kind: alert, title: More PII, severity: SEV1 }
  - { at: 5m, kind: responder-silent, responder: alice, minutes: 30 }
`;

function refusal(text: string, file = 'drill.yaml'): ScenarioError {
  try {
    parseScenario(text, file);
  } catch (err) {
    expect(err).toBeInstanceOf(ScenarioError);
    return err as ScenarioError;
  }
  throw new Error('expected the scenario to be refused');
}

describe('drill scenarios', () => {
  it('read a good file, and resolve its injects (in order of their start) and awareness from the start', () => {
    const scenario = parseScenario(GOOD, 'drill.yaml');
    expect(scenario).toMatchObject({ name: 'pii-leak', tenant: 'acme', awareAgoMinutes: 3600, alert: { title: 'PII in logs', severity: 'SEV2' } });
    const { injects, awareAt } = resolveScenario(scenario, new Date('2026-12-06T10:00:00Z'));
    expect(awareAt).toBe('2026-12-03T22:00:00.000Z');
    expect(injects).toEqual([
      { kind: 'channel-down', channel: 'slack', from: '2026-12-06T10:00:00.000Z', until: '2026-12-06T10:10:00.000Z' },
      { kind: 'responder-silent', responder: 'alice', from: '2026-12-06T10:05:00.000Z', until: '2026-12-06T10:35:00.000Z' },
      { kind: 'alert', at: '2026-12-06T10:20:00.000Z', title: 'More PII', severity: 'SEV1' },
    ]);
  });

  it.each([
    ['a misspelt field', GOOD.replace('description:', 'descripton:'), 2, 'descripton', /unknown field/],
    ['a bad name', GOOD.replace('name: pii-leak', 'name: PII Leak'), 1, 'name', /lower-case/],
    ['a bad severity', GOOD.replace('severity: SEV2', 'severity: SEV9'), 4, 'alert.severity', /SEV1/],
    ['an unknown inject kind', GOOD.replace('kind: channel-down', 'kind: meteor'), 7, 'injects.0.kind', /channel-down/],
    ['an unknown channel', GOOD.replace('channel: slack', 'channel: fax'), 7, 'injects.0.channel', /slack/],
    ['an offset past 30 days', GOOD.replace('at: 20m', 'at: 31d'), 8, 'injects.1.at', /at most 30 days/],
    ['a bad duration', GOOD.replace('awareAgo: 60h', 'awareAgo: soon'), 5, 'clock.awareAgo', /duration/],
    ['a window of no minutes', GOOD.replace('minutes: 10', 'minutes: 0'), 7, 'injects.0.minutes', /1/],
    ['a sandbox that is the tenant itself', GOOD.replace('tenant: acme', 'tenant: acme\nsandboxTenant: acme'), 4, 'sandboxTenant', /another tenant/],
    ['no alert', GOOD.replace(/^alert:.*$/m, ''), 1, 'alert', /is required/],
  ])('refuse %s, naming file, line and field', (_, text, line, field, message) => {
    const err = refusal(text);
    expect(err.file).toBe('drill.yaml');
    expect(err.field).toBe(field);
    expect(err.line).toBe(line);
    expect(err.message).toMatch(message);
    expect(err.message).toContain(`drill.yaml:${line}: ${field}:`);
  });

  it('refuse more than 50 injects, a YAML error (by line), and a file over 64 KiB', () => {
    const many = `${GOOD}${Array.from({ length: 48 }, () => '  - { at: 1m, kind: channel-down, channel: email, minutes: 1 }').join('\n')}\n`;
    expect(refusal(many).field).toBe('injects');
    const broken = refusal('name: x\nalert: { title: [\n', 'broken.yaml');
    expect(broken.message).toMatch(/^broken\.yaml:\d+: \(file\): /);
    expect(refusal(`description: ${'x'.repeat(70_000)}\n`).message).toMatch(/larger than 64 KiB/);
  });

  it('ship three examples and a default that parse', () => {
    const files = readdirSync(examples).filter((f) => f.endsWith('.yaml')).sort();
    expect(files).toEqual(['client-side-pii-leak.yaml', 'cross-tenant-api-response.yaml', 'leaked-credentials-in-logs.yaml']);
    for (const f of files) expect(parseScenario(readFileSync(join(examples, f), 'utf8'), f).name).toBe(f.replace('.yaml', ''));
    expect(parseScenario(DEFAULT_SCENARIO, DEFAULT_SCENARIO_FILE).injects).toEqual([]);
  });
});

describe('drill ids', () => {
  const id = drillIdFor('acme-eu', new Date('2026-12-06T03:04:05.678Z'), 'a1b2c3');

  it('say the tenant, the UTC second and six hex digits, and belong to their tenant only', () => {
    expect(id).toBe('drill-acme-eu-20261206030405-a1b2c3');
    expect(isDrillId(id)).toBe(true);
    expect(isDrillOf(id, ['acme-eu'])).toBe(true);
    expect(isDrillOf(id, ['acme'])).toBe(false);
    expect(isDrillEvent(id)).toBe(true);
    expect(isDrillEvent('inc-acme-0123456789abcdef')).toBe(false);
    for (const bad of ['drill-acme', 'drill-acme-2026-a1b2c3', 'drill--20261206030405-a1b2c3', 'inc-acme-20261206030405-a1b2c3', 'drill-acme-20261206030405-A1B2C3']) expect(isDrillId(bad)).toBe(false);
    expect(() => drillIdFor('acme', new Date(), 'xyz')).toThrow(/six/);
  });
});

describe('a drill', () => {
  const at = '2026-12-06T10:00:00.000Z';
  const facts: DrillFacts = {
    drillId: 'drill-acme-20261206100000-a1b2c3',
    scenario: 'pii-leak',
    startedBy: 'alice',
    injects: [
      { kind: 'channel-down', channel: 'slack', from: at, until: '2026-12-06T10:10:00.000Z' },
      { kind: 'responder-silent', responder: 'alice', from: '2026-12-06T10:05:00.000Z' },
      { kind: 'alert', at: '2026-12-06T10:20:00.000Z', title: 'More', severity: 'SEV1' },
    ],
  };
  const drill = Incident.open(facts.drillId, samplePolicy, sampleAlert({ tenant: 'acme' }), at, undefined, facts);
  const real = Incident.open('inc-acme-0123456789abcdef', samplePolicy, sampleAlert({ tenant: 'acme' }), at);
  const t = (minutes: number) => Date.parse(at) + minutes * 60_000;

  it('marks every message it sends, and its channel; a real incident is unmarked', () => {
    const s = drill.snapshot();
    const slack = incidentMessage(s, { slackUserId: 'U0ALICE', level: 1 }) as { text: string; blocks: Array<{ type: string; text?: { text: string } }> };
    expect(slack.text.startsWith('DRILL — ')).toBe(true);
    expect(slack.blocks[0]).toMatchObject({ type: 'header', text: { text: expect.stringMatching(/^DRILL — SEV2: /) } });
    expect((statusReply(s).blocks[0] as { text: { text: string } }).text.text.startsWith('DRILL — ')).toBe(true);
    expect(emailMessage(s, { responder: 'alice', level: 1 }).subject.startsWith('[DRILL] ')).toBe(true);
    const action = { id: 'a1', spec: { kind: 'isolate-tenant' as const, mode: 'read-only' as const }, tenant: 'acme', mode: 'automatic' as const, status: 'failed' as const, requestedBy: 'klaxon', requestedAt: at };
    expect(containmentAlarm(s, action).summary.startsWith('DRILL: ')).toBe(true);
    expect(incidentChannelName(s)).toMatch(/^drill-20261206-acme-/);
    expect(draftMarkdown(notificationDraft(obligationById('gdpr-art33'), s, samplePolicy, at))).toMatch(/^# \[DRILL\] Notify the supervisory authority \(GDPR\)/);

    const r = real.snapshot();
    expect(incidentMessage(r, { slackUserId: 'U0ALICE', level: 1 }).text).not.toContain('DRILL');
    expect(emailMessage(r, { responder: 'alice', level: 1 }).subject).toMatch(/^\[Klaxon SEV2\]/);
    expect(incidentChannelName(r)).toMatch(/^inc-/);
    expect(draftMarkdown(notificationDraft(obligationById('gdpr-art33'), r, samplePolicy, at))).toMatch(/^# Notify the supervisory authority/);
  });

  it('begins its ledger with drill.started', () => {
    expect(drill.takeEvents().map((e) => e.kind).slice(0, 2)).toEqual(['drill.started', 'incident.opened']);
  });

  it('fails notifications its injects stop, and only within their windows', () => {
    expect(injectedFailure(facts, 'slack', 'bob', t(0))).toBe('DRILL inject: slack down');
    expect(injectedFailure(facts, 'slack', 'bob', t(10))).toBeUndefined();
    expect(injectedFailure(facts, 'email', 'bob', t(1))).toBeUndefined();
    expect(injectedFailure(facts, 'email', 'alice', t(4))).toBeUndefined();
    expect(injectedFailure(facts, 'email', 'alice', t(500))).toBe('DRILL inject: alice silent');
    expect(injectedFailure(undefined, 'slack', 'alice', t(0))).toBeUndefined();
  });

  it('records each inject once when its time comes; an alert inject is another alert', () => {
    expect(nextInjectAt(drill.drill)).toBe(t(0));
    expect(drill.recordDueInjects(new Date(t(6)).toISOString())).toBe(true);
    expect(drill.takeEvents().filter((e) => e.kind === 'drill.inject').map((e) => e.payload)).toEqual([
      { kind: 'channel-down', channel: 'slack', from: at, until: '2026-12-06T10:10:00.000Z' },
      { kind: 'responder-silent', responder: 'alice', from: '2026-12-06T10:05:00.000Z' },
    ]);
    expect(drill.recordDueInjects(new Date(t(7)).toISOString())).toBe(false);
    expect(nextInjectAt(drill.drill)).toBe(t(20));
    expect(drill.recordDueInjects(new Date(t(20)).toISOString())).toBe(true);
    expect(drill.takeEvents().map((e) => e.kind)).toEqual(['drill.inject', 'alert.received', 'severity.raised']);
    expect(drill.snapshot()).toMatchObject({ severity: 'SEV1', alertCount: 2 });
    expect(dueInjects(drill.drill, t(1000))).toEqual([]);
    expect(real.recordDueInjects(new Date(t(1000)).toISOString())).toBe(false);
  });
});

describe('drills are kept out of real figures', () => {
  const at = '2026-12-06T10:00:00.000Z';
  const drillId = 'drill-acme-20261206100000-a1b2c3';
  const facts: DrillFacts = { drillId, scenario: 'pii-leak', startedBy: 'alice', injects: [] };
  const event = (incidentId: string): LedgerEvent => ({
    incidentId,
    kind: 'incident.opened',
    payload: { policy: 'default', tenant: 'acme', severity: 'SEV2', dedupKey: 'k' },
    seq: 1,
    occurredAt: at,
    recordedAt: at,
    hashVersion: 1,
    prevHash: '',
    hash: '',
    actor: { type: 'system', name: 'klaxon' },
    stepKey: `${incidentId}/1`,
  });
  const opened = async () => (await incidentsOpened.get()).values.reduce((n, v) => n + v.value, 0);

  it('the metrics read from audit events skip a drill id', async () => {
    const before = await opened();
    const none = async () => new Map();
    await observeStoredEvent(event(drillId), none);
    expect(await opened()).toBe(before);
    await observeStoredEvent(event('inc-acme-0123456789abcdef'), none);
    expect(await opened()).toBe(before + 1);
  });

  it('a page a drill sends is not counted as a real notification sent', async () => {
    const outbox = mkdtempSync(join(tmpdir(), 'klaxon-drill-outbox-'));
    try {
      const { sendEmail } = allChannelActivities({ config: loadConfig({ KLAXON_OUTBOX_DIR: outbox }) }) as { sendEmail: (input: object) => Promise<unknown> };
      const sent = async () => (await notifications.get()).values.find((v) => v.labels.channel === 'email' && v.labels.outcome === 'sent')?.value ?? 0;
      const page = (state: object, n: number) => sendEmail({ stepKey: `step-${n}`, state, to: 'alice@example.com', responder: 'alice', level: 1 });
      const before = await sent();
      await page(Incident.open(drillId, samplePolicy, sampleAlert(), at, undefined, facts).snapshot(), 1);
      expect(await sent()).toBe(before);
      await page(Incident.open('inc-acme-0123456789abcdef', samplePolicy, sampleAlert(), at).snapshot(), 2);
      expect(await sent()).toBe(before + 1);
      // Both were written to the outbox: the drill's was sent, only not counted.
      expect(readdirSync(join(outbox, 'email'))).toHaveLength(2);
    } finally {
      rmSync(outbox, { recursive: true, force: true });
    }
  });

  it('a period report counts no drill, and incident lists ask for incidents only', () => {
    const drillState = Incident.open(drillId, samplePolicy, sampleAlert(), at, undefined, facts).snapshot();
    const realState = Incident.open('inc-acme-0123456789abcdef', samplePolicy, sampleAlert(), at).snapshot();
    expect(periodReport([drillState, realState], at, at).rows.map((r) => r.incidentId)).toEqual(['inc-acme-0123456789abcdef']);
    expect(visibilityQuery({})).toMatch(/^WorkflowType = 'incident'/);
    expect(visibilityQuery({ drills: true, incidentId: drillId })).toBe(`WorkflowType = 'drill' AND WorkflowId = '${drillId}'`);
  });
});

describe('klaxon drill start', () => {
  const env = { KLAXON_DATA_DIR: '/nonexistent', HOME: '/nonexistent', XDG_CONFIG_HOME: '/nonexistent' };
  const refused = (args: string[]) => runCli(args, env).then(
    () => {
      throw new Error('the command succeeded');
    },
    (err: Error) => err.message,
  );

  it('names a bad scenario file by line and field, and an unreadable one, before anything is sent', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'klaxon-drill-cli-'));
    try {
      const file = join(dir, 'bad.yaml');
      writeFileSync(file, GOOD.replace('severity: SEV2', 'severity: SEV9'));
      expect(await refused(['drill', 'start', '--policy', 'default', '--scenario', file])).toMatch(new RegExp(`^${file.replace(/[.]/g, '\\.')}:4: alert\\.severity: `));
      expect(await refused(['drill', 'start', '--policy', 'default', '--scenario', join(dir, 'missing.yaml')])).toMatch(/missing\.yaml" cannot be read: ENOENT/);
      expect(await refused(['drill', 'start', '--policy', 'default'])).toMatch(/who starts it\? --as <responder>/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

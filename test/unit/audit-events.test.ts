import { describeEvent } from '../../client/cli/render';
import { AUDIT_EVENTS, catalogued, isAuditEventKind, type AuditEventKind } from '../../core/audit/events';
import type { SectionId } from '../../core/audit/sections';

const KINDS = Object.keys(AUDIT_EVENTS) as AuditEventKind[];
const system = { type: 'system' as const, name: 'klaxon' };

/** How the evidence export sorted kinds before the catalogue: by regular expression, the rest under escalation. */
function sectionByRegex(kind: string): SectionId {
  if (/^(incident\.opened|alert\.|severity\.)/.test(kind)) return 'detection';
  if (kind.startsWith('containment.')) return 'containment';
  if (/^(clock\.|obligation\.)/.test(kind)) return 'notification';
  if (/^incident\.(resolved|false_positive)$/.test(kind)) return 'resolution';
  if (/^(audit\.|history\.|ledger\.)/.test(kind)) return 'record';
  return 'escalation';
}

/** Every kind Klaxon wrote before the catalogue (from its history): ledgers hold them. */
const WRITTEN_BEFORE_THE_CATALOGUE = (
  'incident.opened alert.received alert.resolved_by_source alert.ignored severity.raised ' +
  'incident.data_categories_not_kept source.test_received target.unresolved ' +
  'target.unreachable target.outside_hours level.skipped incident.escalated ladder.exhausted ' +
  'incident.retriggered responder.paged page.failed notification.sent notification.failed ' +
  'notification.cancelled slack.channel_opened slack.channel_failed incident.acknowledged ' +
  'incident.escalation_requested incident.snoozed incident.reassigned policy.repinned ' +
  'containment.proposed containment.requested containment.approved containment.rejected ' +
  'containment.overridden containment.applied containment.failed containment.called_off ' +
  'containment.kept containment.undone containment.undo_failed containment.paged ' +
  'containment.page_resolved clock.trigger_recorded clock.risk_decided clock.started ' +
  'clock.reminder clock.overdue clock.follow_up_due clock.follow_up_overdue clock.filed ' +
  'clock.follow_up_filed clock.pages_resolved clock.escalated obligation.added ' +
  'obligation.removed incident.resolved incident.false_positive audit.read history.archived ' +
  'ledger.purged ledger.unstorable'
).split(' ');

describe('the audit event catalogue', () => {
  it('still holds every kind existing ledgers hold, each in the part of the evidence pack it was in (packs read the same)', () => {
    expect(WRITTEN_BEFORE_THE_CATALOGUE.filter((k) => !isAuditEventKind(k))).toEqual([]);
    expect(WRITTEN_BEFORE_THE_CATALOGUE.filter((k) => catalogued(k)?.section !== sectionByRegex(k))).toEqual([]);
  });

  it('gives every kind a name a person reads, each its own', () => {
    const names = KINDS.map((k) => AUDIT_EVENTS[k].name);
    expect(names.filter((n) => !/^[A-Z][^.]*[a-z]$/.test(n))).toEqual([]);
    expect(new Set(names).size).toBe(names.length);
    expect(AUDIT_EVENTS['clock.trigger_recorded'].name).toBe('Legal clock trigger recorded');
  });

  it('knows only its own kinds: an unknown one, or a name of the object prototype, is none', () => {
    expect(catalogued('clock.trigger_recorded')).toMatchObject({ section: 'notification' });
    for (const stored of ['note.added', 'constructor', '__proto__', 'toString', 'hasOwnProperty', '']) {
      expect(isAuditEventKind(stored)).toBe(false);
      expect(catalogued(stored)).toBeUndefined();
    }
  });
});

describe('the timeline', () => {
  it('names an event by its catalogue entry, with the person who acted', () => {
    expect(describeEvent({ kind: 'clock.trigger_recorded', actor: { type: 'responder', name: 'alice', via: 'cli' }, payload: { event: 'aware', at: '2026-11-24T10:00:00.000Z' } })).toBe('Legal clock trigger recorded by alice via cli');
    expect(describeEvent({ kind: 'containment.applied', actor: system, payload: { action: 'c1', verified: true } })).toBe('Containment applied');
  });

  it('keeps its own wording for the kinds it describes in detail', () => {
    expect(describeEvent({ kind: 'severity.raised', actor: system, payload: { from: 'SEV3', to: 'SEV1' } })).toBe('severity raised from SEV3 to SEV1');
    const policies = [{ name: 'platform', hash: 'b'.repeat(64) }];
    expect(describeEvent({ kind: 'configuration.applied', actor: system, payload: { variable: 'KLAXON_POLICY_FILE', file: '/config/policy.yaml', sha256: 'a'.repeat(64), trigger: 'SIGHUP', policies } })).toBe(
      'KLAXON_POLICY_FILE /config/policy.yaml applied (SIGHUP): sha256 aaaaaaaaaaaa, policies "platform"',
    );
    expect(describeEvent({ kind: 'configuration.refused', actor: system, payload: { variable: 'KLAXON_RULES_FILE', file: '/config/rules.yaml', reason: 'not valid YAML', trigger: 'poll', kept: 'c'.repeat(64) } })).toBe(
      'KLAXON_RULES_FILE /config/rules.yaml refused (poll), sha256 cccccccccccc kept: not valid YAML',
    );
  });

  it('shows an event written before a field existed by its name, not a crash', () => {
    // alert.received before batches (ledgers older than alertNumbers): one alert, its count.
    const before = { kind: 'alert.received', actor: { type: 'system' as const, name: 'grafana', via: 'webhook' }, payload: { source: 'grafana', title: 't', severity: 'SEV2', alertCount: 1 } };
    expect(describeEvent(before)).toBe('Alert received');
  });

  it('shows a kind this Klaxon does not know as stored, quoted, and says so', () => {
    expect(describeEvent({ kind: 'future.kind', actor: system, payload: {} })).toBe('"future.kind": an event kind this version of Klaxon does not know');
    expect(describeEvent({ kind: 'constructor', actor: system, payload: {} })).toBe('"constructor": an event kind this version of Klaxon does not know');
    expect(describeEvent({ kind: 'x\u001b[2Jy', actor: system, payload: {} })).toBe('"x\\u001b[2Jy": an event kind this version of Klaxon does not know');
  });
});

import type { Severity } from '../alerts/severity';
import type { Channel } from '../escalation/notification-rules';
import type { SourceResolution } from '../sources/source';
import type { SectionId } from './sections';

/**
 * The catalogue of audit event kinds: every kind Klaxon writes to the ledger, once, with the
 * payload it carries, the name a person reads in a timeline, and the part of the evidence pack
 * (./sections.ts) it evidences. A kind missing here is a type error wherever a ledger event is
 * built (ledger/event.ts), and a row without a section does not compile. Workflow-safe: types
 * and plain data only (no zod, no node:*), since the incident's core records these kinds inside
 * workflow code.
 *
 * Kinds are stored as text: a ledger can hold kinds this catalogue does not know (written by a
 * newer Klaxon, or by hand), so readers look kinds up with `catalogued` and show the unknown
 * ones for what they are. Never rename or remove a kind: ledgers already hold it.
 *
 * Payload types say what this version writes; events written by earlier versions may lack
 * fields added since (an `alert.received` from before batches has no `alertNumbers`).
 */

/** One row of the catalogue; `payload` exists only in the type, as the kind's payload shape. */
export interface AuditEventEntry<P = unknown> {
  readonly name: string;
  readonly section: SectionId;
  readonly payload?: P;
}

const kind = <P extends object>(name: string, section: SectionId): AuditEventEntry<P> => ({ name, section });

/** The containment action an event is about, by its id. */
type ActionRef = { action: string };
/** A containment action's spec (core/containment): its kind and that kind's settings. */
type Spec = { readonly kind: string };
/** What the adapter read back after it acted (core/containment: an action's `verified`). */
type Verified = Record<string, unknown>;
type Level = { level: number; pass: number };
type Clock = { obligation: string };
type Told = { responder: string; channel: string; failed?: string };
/** A filing as its clock records it (core/regulation/legal-clocks.ts, Filing). */
type Filing = { filedAt: string; by: string; recipient: string; reference: string; attachments?: string[]; reasonsForDelay?: string; late: boolean; outstanding?: string[] };
/** A configuration file as the API reads it (client/api/live-configuration.ts): its variable, path and content hash. */
type ConfigurationFile = { variable: 'KLAXON_POLICY_FILE' | 'KLAXON_RULES_FILE'; file: string; sha256?: string };

/** A run-time on-call override (core/oncall/runtime-override.ts) as the ledger keeps it. */
type OverrideRecord = { id: string; policy: string; schedule: string; responder: string; replaces?: string; from: string; to: string; reason?: string; swap?: string };

/** Which alerts a maintenance window covers, by its id. */
type MaintenanceScope = { id: string; tenant: string; source?: string; service?: string };
/** An alert a maintenance window met (its title as kept: redacted). */
type HeldAlert = { window: string; source: string; severity: Severity; title: string; dedupKey: string; deliveryId: string };

export const AUDIT_EVENTS = {
  // Detection and triage
  'incident.opened': kind<{ policy: string; policyHash?: string; tenant: string; severity: Severity; dedupKey: string }>('Incident opened', 'detection'),
  'alert.received': kind<{
    source: string;
    title: string;
    severity: Severity;
    dedupKey: string;
    count: number;
    alertNumbers: [number, number];
    deliveryIds: string[];
    firstReceivedAt: string;
    lastReceivedAt: string;
    alertCount: number;
    group?: { joined: Array<{ fingerprint: string; startsAt: string }>; firing: number; members: number };
  }>('Alert received', 'detection'),
  'alert.resolved_by_source': kind<
    SourceResolution & { autoResolve?: boolean; firing?: number; members?: number; ignored?: string }
  >('Alert resolved by its source', 'detection'),
  'alert.ignored': kind<{ source: string; reason: string; deliveryId: string }>('Alert delivery recorded and ignored', 'detection'),
  'severity.raised': kind<{ from: Severity; to: Severity }>('Severity raised', 'detection'),

  // Escalation and response
  'incident.data_categories_not_kept': kind<{ kept: number; reason: string }>('Data categories not kept', 'escalation'),
  'source.test_received': kind<{ source: string; recognisedAs: string; deliveryId: string; paged: string[] }>('Test notification received', 'escalation'),
  'target.unresolved': kind<Level & { schedule: string; reason: string }>('Nobody on call to page', 'escalation'),
  // Pinned policy, live roster (core/oncall/runtime-override.ts): a page that went to someone because of a run-time override, or the pinned roster paged because the overrides could not be read.
  'roster.applied': kind<Level & { schedule: string; responder: string; override: string; instead?: string }>('Paged by the live roster: a run-time override', 'escalation'),
  'roster.unavailable': kind<Level & { reason: string }>('Live roster unreadable: pinned roster paged', 'escalation'),
  // A run-time override naming someone the incident's pinned policy does not know (added to the policy book since): left out, not paged.
  'roster.ignored': kind<Level & { schedule: string; responder: string; override: string; reason: string }>('Run-time override left out: unknown to the pinned policy', 'escalation'),
  'target.unreachable': kind<Level & { target: string; reason: string }>('Responder not reachable', 'escalation'),
  'target.outside_hours': kind<Level & { target: string; reason: string }>('Responder outside their hours', 'escalation'),
  'level.skipped': kind<Level & { reason: string }>('Escalation level skipped', 'escalation'),
  'incident.escalated': kind<Level>('Incident escalated', 'escalation'),
  'ladder.exhausted': kind<{ passes: number; levels: number }>('Escalation ladder exhausted', 'escalation'),
  'incident.retriggered': kind<{ from: string; reason: string; trigger?: number; resumesAt: 'same level' | 'first level' }>('Incident re-triggered', 'escalation'),
  'responder.paged': kind<
    Level & { responder: string; at: string; slackUserId?: string; slackChannel?: string; timeZone?: string; pagerDutyService?: string; email?: string }
  >('Responder paged', 'escalation'),
  'page.failed': kind<Level & { responder: string; slackUserId?: string; reason: string }>('Page failed', 'escalation'),
  'notification.sent': kind<Level & { responder: string; channel: Channel }>('Notification sent', 'escalation'),
  'notification.failed': kind<Level & { responder: string; channel: Channel; reason: string; failover: string }>('Notification failed', 'escalation'),
  'notification.cancelled': kind<{ status: string; pending: Array<{ responder: string; channel: Channel }> }>('Pending notifications called off', 'escalation'),
  'slack.channel_opened': kind<{ channel: string; name: string; severity: Severity }>('Incident Slack channel opened', 'escalation'),
  'slack.channel_failed': kind<{ reason: string }>('Incident Slack channel could not be opened', 'escalation'),
  'incident.acknowledged': kind<{ level: number; lapsesAt?: string }>('Incident acknowledged', 'escalation'),
  'incident.escalation_requested': kind<{ fromLevel: number }>('Escalation requested', 'escalation'),
  'incident.snoozed': kind<{ minutes: number; until?: string; level: number }>('Incident snoozed', 'escalation'),
  'incident.reassigned': kind<{ to: string; from?: string; level: number }>('Incident reassigned', 'escalation'),
  'policy.repinned': kind<{ from: { policy: string; policyHash?: string }; to: { policy: string; policyHash?: string } }>('Policy re-pinned', 'escalation'),
  // Drills (issue 22): a drill's events live under its drill id (`drill-…`), which is the flag.
  'drill.started': kind<{ scenario: string; policy: string; startedBy: string; scheduleId?: string; sandboxTenant?: string }>('Drill started', 'escalation'),
  'drill.inject': kind<{ kind: string; channel?: string; responder?: string; from: string; until?: string }>('Drill inject', 'escalation'),

  // Containment, approvals and rollback
  'containment.proposed': kind<ActionRef & { spec: Spec; tenant: string; mode: string; status: string }>('Containment proposed', 'containment'),
  'containment.requested': kind<ActionRef & { spec: Spec; tenant: string; reason: string }>('Containment requested', 'containment'),
  'containment.approved': kind<ActionRef & { spec: Spec; requestedBy?: string }>('Containment approved', 'containment'),
  'containment.rejected': kind<ActionRef & { reason?: string }>('Containment rejected', 'containment'),
  'containment.overridden': kind<ActionRef & { spec: Spec; reason?: string; flagged: true }>('Containment approval overridden', 'containment'),
  'containment.applied': kind<ActionRef & { spec: Spec; tenant: string; verified: Verified }>('Containment applied', 'containment'),
  'containment.failed': kind<ActionRef & { spec: Spec; tenant: string; reason: string }>('Containment failed', 'containment'),
  'containment.called_off': kind<ActionRef>('Containment called off', 'containment'),
  'containment.kept': kind<ActionRef & { spec: Spec; reason: string }>('Containment kept after the incident', 'containment'),
  'containment.undone': kind<ActionRef & { spec: Spec; tenant: string; verified: Verified }>('Containment undone', 'containment'),
  'containment.undo_failed': kind<ActionRef & { spec: Spec; tenant: string; reason: string; attempts?: number; retryAt: string }>('Containment undo failed', 'containment'),
  'containment.paged': kind<ActionRef & { status: string; services: string[]; failures?: Array<{ service: string; reason: string }> }>('Containment alarm paged', 'containment'),
  'containment.dry_run': kind<ActionRef & { spec: Spec; tenant: string; plan: string }>('Containment planned in a drill, not run', 'containment'),
  'containment.page_resolved': kind<ActionRef & { services?: string[]; failed?: string }>('Containment alarm pages resolved', 'containment'),

  // Regulatory and external notification
  'clock.trigger_recorded': kind<{ event: string; at: string; reason?: string; byPolicy?: true }>('Legal clock trigger recorded', 'notification'),
  'clock.risk_decided': kind<{ highRisk: boolean; exception?: string; reasons: string; at: string }>('High-risk decision recorded', 'notification'),
  'clock.started': kind<Clock & { trigger: string; startedAt: string; dueAt: string; reminders: Array<{ label: string; at: string }> }>('Legal clock started', 'notification'),
  'clock.reminder': kind<Clock & { reminder: string; dueAt: string }>('Legal clock reminder', 'notification'),
  'clock.overdue': kind<Clock & { dueAt: string }>('Legal deadline passed', 'notification'),
  'clock.follow_up_due': kind<Clock & { dueAt: string; outstanding: string[] }>('Follow-up filing due', 'notification'),
  'clock.follow_up_overdue': kind<Clock & { dueAt?: string; outstanding: string[] }>('Follow-up filing overdue', 'notification'),
  'clock.filed': kind<Clock & Filing>('Notification filed', 'notification'),
  'clock.follow_up_filed': kind<Clock & Filing>('Follow-up filed', 'notification'),
  'clock.pages_resolved': kind<Clock & { services?: string[]; failed?: string }>('Legal clock pages resolved', 'notification'),
  'clock.escalated': kind<Clock & { notice: 'reminder' | 'overdue' | 'follow-up'; label: string; sequence: number; told: Told[] }>('DPO and legal told', 'notification'),
  'obligation.added': kind<Clock & { reason: string; clockStatus?: string }>('Notification obligation added', 'notification'),
  'obligation.removed': kind<Clock & { reason: string; clockStatus?: string }>('Notification obligation removed', 'notification'),

  // Resolution and lessons
  'incident.resolved': kind<{ auto?: true; note?: string }>('Incident resolved', 'resolution'),
  'incident.false_positive': kind<{ reason: string }>('Marked a false positive', 'resolution'),
  // Post-incident reviews (core/reviews/): written to the reviewed incident's own chain
  'review.owed': kind<{ owner: string; dueAt: string; resolvedAt: string }>('Post-incident review owed', 'resolution'),
  'review.reminded': kind<{ sequence: number; level: number; dueAt: string; told: Told[] }>('Late review: reminder sent', 'resolution'),
  'review.submitted': kind<{ dueAt: string; late: boolean; summary: string; rootCause: string; actions: number }>('Post-incident review submitted', 'resolution'),
  'review.action_added': kind<{ n: number; title: string; owner: string; dueAt: string }>('Follow-up action added', 'resolution'),
  'review.action_updated': kind<{ n: number; title?: string; owner?: string; dueAt?: string }>('Follow-up action changed', 'resolution'),
  'review.action_done': kind<{ n: number; late: boolean }>('Follow-up action done', 'resolution'),
  'review.action_overdue': kind<{ n: number; owner: string; dueAt: string; told: Told[] }>('Follow-up action overdue', 'resolution'),

  // Configuration changes: recorded under their own stream (ledger/configuration-record.ts), once per change whatever the replicas
  'configuration.applied': kind<
    ConfigurationFile & {
      /** The content this one replaced (absent for the first recorded). */
      previousSha256?: string;
      /** How it was found: at start, by the periodic check, or on SIGHUP. */
      trigger: 'start' | 'poll' | 'SIGHUP';
      /** A policy file: each policy with the hash an incident pins it by (`incident.opened`'s policyHash). */
      policies?: Array<{ name: string; hash: string }>;
      routes?: number;
      /** A rules file: how many classification rules and Vercel detectors it holds. */
      rules?: number;
      detectors?: number;
    }
  >('Configuration applied', 'configuration'),
  // On-call overrides and swap halves taken at run time: recorded under the chain `oncall-<policy>` (client/oncall.ts).
  'oncall.override.taken': kind<OverrideRecord>('On-call override taken', 'configuration'),
  'oncall.override.cancelled': kind<OverrideRecord>('On-call override cancelled', 'configuration'),
  // Maintenance windows (core/maintenance/window.ts): opened, each alert held back or paged anyway, ended; chain `maintenance-<tenant>` (ledger/maintenance-windows.ts).
  'maintenance.started': kind<MaintenanceScope & { from: string; until: string | null; openEnded?: string; reason: string; allowSev1PersonalData: boolean }>('Maintenance window opened', 'configuration'),
  'maintenance.alert_held': kind<HeldAlert & { sev1PersonalData?: true }>('Alert held back by a maintenance window', 'detection'),
  'maintenance.bypassed': kind<HeldAlert & { reason: string; incidentId: string }>('SEV1 with personal data paged during maintenance', 'detection'),
  'maintenance.ended': kind<MaintenanceScope & { endedAt: string; expired: boolean; held: number; bypassed: number; summary: { channel: string } | { failed: string } | { none: string } }>(
    'Maintenance window ended',
    'configuration',
  ),
  'configuration.refused': kind<
    ConfigurationFile & {
      /** What is wrong, as the start-up check names it (redacted); `sha256` is absent when the file could not be read. */
      reason: string;
      /** A file refused at start stops the start instead. */
      trigger: 'poll' | 'SIGHUP';
      /** The content still in force. */
      kept?: string;
    }
  >('Configuration change refused', 'configuration'),

  // On-call coverage (core/oncall/coverage.ts): the daily check's findings, in the chain `coverage-<yyyy-mm-dd>` (UTC)
  'coverage.gaps': kind<{
    days: number;
    from: string;
    to: string;
    counts: Record<string, number>;
    /** Every gap the check found (at most COVERAGE_GAPS_KEPT), what the next check compares with. */
    gaps: Array<{ kind: string; policy: string; level?: number | 'exhausted'; schedule?: string; layer?: string; responder?: string; from: string; to: string; message: string }>;
    /** The policies new gaps were posted for, and where. */
    posted: Array<{ policy: string; channel: string; gaps: number }>;
  }>('Coverage gaps checked', 'configuration'),
  /** A hand-off notice to the incoming responder (chain `handoff-<policy>-<schedule>`); `channel: none` when they have no Slack id. */
  'handoff.notice': kind<{ policy: string; schedule: string; responder: string; shiftStart: string; minutesBefore: number; channel: 'slack' | 'none'; incidents: string[] }>(
    'Hand-off notice sent',
    'escalation',
  ),

  // Integrity of the record
  'audit.read': kind<{ what: string; path: string }>('Audit data read', 'record'),
  'history.archived': kind<{ runId: string; status: string; events: number; sha256: string }>('Workflow history archived', 'record'),
  'ledger.purged': kind<{
    retentionDays: number;
    incidents: Array<{ incidentId: string; events: number; lastEventAt: string; headSeq: number; headHash: string }>;
    /** Each removed event: global place, incident, own hash, global link. */
    removed: Array<[globalSeq: number, incidentId: string, hash: string, globalHash: string]>;
    keyId: string;
    signature: string;
  }>('Ledger purged past retention', 'record'),
  'message.refused': kind<{ message: string; reason: string }>('Message the incident could not apply, dropped', 'record'),
  'ledger.unstorable': kind<{ kind: string; sqlstate: string; condition: string; column?: string; constraint?: string; contentSha256: string }>(
    'Event refused by the database, substitute recorded',
    'record',
  ),
} as const satisfies Record<string, AuditEventEntry<object>>;

export type AuditEventKind = keyof typeof AUDIT_EVENTS;

/** What an event of each kind carries. */
type AuditPayloads = { [K in AuditEventKind]: NonNullable<(typeof AUDIT_EVENTS)[K]['payload']> };
export type AuditPayload<K extends AuditEventKind> = AuditPayloads[K];

/** An event's kind with its payload, one of the catalogue's; `AuditRecord<K>` narrows it to some kinds. */
export type AuditRecord<K extends AuditEventKind = AuditEventKind> = { [P in K]: { kind: P; payload: AuditPayloads[P] } }[K];

/** Whether a kind read back from a ledger is one of the catalogue's (an own property only: a stored `constructor` is not a kind). */
export const isAuditEventKind = (kind: string): kind is AuditEventKind => Object.hasOwn(AUDIT_EVENTS, kind);

/** The catalogue's entry of a kind read back from a ledger, or undefined for a kind this Klaxon does not know. */
export const catalogued = (kind: string): AuditEventEntry | undefined => (isAuditEventKind(kind) ? AUDIT_EVENTS[kind] : undefined);

import { catalogued, isAuditEventKind } from '../../core/audit/events';
import { describeSpec } from '../../core/containment/containment';
import type { IncidentEvent, IncidentState } from '../../core/incident/incident';
import type { Policy } from '../../core/policy/policy';
import { formatInstant } from '../../core/shared/time-format';
import type { LedgerEvent } from '../../ledger/event';
import type { IncidentSummary } from '../incidents';

/** Human output of the CLI; every time is shown in `zone`, with the zone named. */
export function renderList(rows: IncidentSummary[], zone: string, noun: 'incident' | 'drill' = 'incident'): string {
  if (rows.length === 0) return `No ${noun}s.`;
  const lines = rows.map((r) =>
    [r.incidentId, r.status.padEnd(12), (r.severity ?? '-').padEnd(5), (r.tenant ?? '-').padEnd(16), formatInstant(r.openedAt, zone), ...(r.nextDeadline ? [`deadline ${formatInstant(r.nextDeadline, zone)}`] : [])].join('  '),
  );
  return [`${rows.length} ${noun}(s), times in ${zone}`, ...lines].join('\n');
}

const scopeWords = (p: Record<string, unknown>): string => [`tenant ${p.tenant}`, ...(p.source ? [`source ${p.source}`] : []), ...(p.service ? [`service ${p.service}`] : [])].join(', ');

/** One audit event in words; ledger events and simulated ones read alike. */
export function describeEvent(e: Pick<LedgerEvent, 'kind' | 'actor'> & { payload: object }): string {
  // Read as a plain record: a stored payload may predate (or postdate) its kind's catalogued shape.
  const p = e.payload as Record<string, unknown>;
  try {
    // Narrowed to the catalogue's kinds, so a case that names no kind is a type error.
    switch (isAuditEventKind(e.kind) ? e.kind : undefined) {
      case 'incident.opened':
        return `opened under policy "${p.policy}"`;
      case 'alert.received': {
        const [first, last] = p.alertNumbers as [number, number];
        return `${first === last ? `alert #${first}` : `alerts #${first}–#${last}`} from ${p.source}: ${p.severity}`;
      }
      case 'alert.resolved_by_source':
        if (p.ignored) return `${p.source} reports the alert resolved: ignored, ${p.ignored}`;
        // A member of a group: how many of the group's alerts still fire.
        if (typeof p.firing === 'number') return `${p.source} reports alert ${(p.member as { fingerprint: string }).fingerprint} of the group resolved: ${p.firing} of ${p.members} still firing${p.autoResolve || p.firing > 0 ? '' : ' (recorded; the policy leaves resolving to a person)'}`;
        return `${p.source} reports the alert resolved${p.autoResolve ? '' : ' (recorded; the policy leaves resolving to a person)'}`;
      case 'alert.ignored':
        return `${p.source} delivery recorded, nothing paged: ${p.reason}`;
      case 'source.test_received':
        return `test notification from ${p.source} (${p.recognisedAs}): nobody paged`;
      case 'incident.data_categories_not_kept':
        return `data categories beyond the first ${p.kept} not kept: ${p.reason}`;
      case 'severity.raised':
        return `severity raised from ${p.from} to ${p.to}`;
      case 'responder.paged':
        return `paged ${p.responder}${p.slackChannel ? ' (channel)' : ''} (level ${p.level}, pass ${p.pass})`;
      case 'page.failed':
        return `FAILED to page ${p.responder} (level ${p.level}): ${p.reason}`;
      case 'incident.escalated':
        return `escalated to level ${p.level} (pass ${p.pass})`;
      case 'incident.escalation_requested':
        return `${e.actor.name} asked to escalate past level ${p.fromLevel} via ${e.actor.via}`;
      case 'target.unresolved':
        return `level ${p.level}: nobody paged from schedule "${p.schedule}" (${p.reason})`;
      case 'roster.applied':
        return `level ${p.level}: ${p.responder} paged from schedule "${p.schedule}" by run-time override ${p.override}${p.instead ? ` instead of ${p.instead}` : ''} (pinned policy, live roster)`;
      case 'roster.ignored':
        return `level ${p.level}: run-time override ${p.override} on schedule "${p.schedule}" left out (${p.reason})`;
      case 'roster.unavailable':
        return `level ${p.level}: the live roster could not be read (${p.reason}): the pinned roster paged`;
      case 'oncall.override.taken':
      case 'oncall.override.cancelled':
        return `${e.kind === 'oncall.override.taken' ? 'override taken' : 'override cancelled'} by ${e.actor.name}: ${p.id} ${p.schedule}: ${p.responder}${p.replaces ? ` for ${p.replaces}'s turns` : ''} from ${p.from} until ${p.to}${p.reason ? `: ${JSON.stringify(p.reason)}` : ''}`;
      case 'maintenance.started':
        return `maintenance window ${p.id} opened by ${e.actor.name} for ${scopeWords(p)} from ${p.from} ${p.until === null ? `with no end (${JSON.stringify(p.openEnded)})` : `until ${p.until}`}${p.allowSev1PersonalData ? ', SEV1 with personal data silenced too' : ''}: ${JSON.stringify(p.reason)}`;
      case 'maintenance.alert_held':
        return `${p.source} ${p.severity} alert held back by maintenance window ${p.window}${p.sev1PersonalData ? ' (SEV1 with personal data: the window allows silencing it)' : ''}`;
      case 'maintenance.bypassed':
        return `${p.source} ${p.severity} alert paged during maintenance window ${p.window}: ${p.reason}`;
      case 'maintenance.ended':
        return `maintenance window ${p.id} ${p.expired ? 'ended by itself' : `ended by ${e.actor.name}`}: ${p.held} alert(s) held back, ${p.bypassed} paged anyway`;
      case 'target.unreachable':
      case 'target.outside_hours':
        return `level ${p.level}: ${p.target} not paged (${p.reason})`;
      case 'level.skipped':
        return `level ${p.level} (pass ${p.pass}) skipped: ${p.reason}`;
      case 'incident.snoozed':
        return `snoozed by ${e.actor.name} for ${p.minutes} min, until ${p.until}`;
      case 'incident.reassigned':
        return `reassigned to ${p.to}${p.from ? ` (from ${p.from})` : ''} by ${e.actor.name} via ${e.actor.via}`;
      case 'incident.retriggered':
        return `re-triggered: ${p.reason}; the ladder resumes at the ${p.resumesAt}`;
      case 'configuration.applied': {
        const what = Array.isArray(p.policies) ? `policies ${(p.policies as Array<{ name: string }>).map((x) => `"${x.name}"`).join(', ')}` : `${p.rules} rule(s), ${p.detectors} detector(s)`;
        return `${p.variable} ${p.file} applied (${p.trigger}): sha256 ${String(p.sha256).slice(0, 12)}, ${what}`;
      }
      case 'configuration.refused':
        return `${p.variable} ${p.file} refused (${p.trigger}), sha256 ${String(p.kept).slice(0, 12)} kept: ${p.reason}`;
      case 'policy.repinned': {
        const [from, to] = [p.from, p.to] as Array<{ policy: string; policyHash?: string }>;
        return `${e.actor.name} re-pinned policy "${from.policy}" (${from.policyHash?.slice(0, 12) ?? 'no hash'}) → "${to.policy}" (${to.policyHash?.slice(0, 12) ?? 'no hash'})`;
      }
      case 'ladder.exhausted':
        return 'escalation ladder exhausted: nobody acknowledged';
      case 'incident.acknowledged':
        return `acknowledged by ${e.actor.name} via ${e.actor.via}`;
      case 'incident.resolved':
        return `resolved by ${e.actor.name} via ${e.actor.via}${p.auto ? ' (automatically)' : ''}${p.note ? `: ${p.note}` : ''}`;
    }
  } catch {
    // An event recorded by an earlier Klaxon may lack a field read above: its name still tells what happened.
  }
  const entry = catalogued(e.kind);
  // A kind this Klaxon does not know (a newer one wrote it) is shown as stored, quoted so control characters show.
  if (!entry) return `${JSON.stringify(e.kind)}: an event kind this version of Klaxon does not know`;
  return e.actor.type === 'system' ? entry.name : `${entry.name} by ${e.actor.name}${e.actor.via ? ` via ${e.actor.via}` : ''}`;
}

/** `timeline` is the ledger's events, or why there are none to show. */
export function renderIncident(state: IncidentState, timeline: LedgerEvent[] | string, zone: string): string {
  const out = [
    `Incident ${state.incidentId}`,
    `  Title:           ${state.title}`,
    `  Status:          ${state.status}${state.ladderExhausted ? ' (ladder exhausted)' : ''}`,
    `  Severity:        ${state.severity}`,
    `  Tenant:          ${state.tenant}`,
    `  Data categories: ${state.dataCategories.join(', ') || 'none reported'}`,
    `  Opened:          ${formatInstant(state.openedAt, zone)}`,
    `  Level:           ${state.level} (pass ${state.pass}) of policy "${state.policyName}"`,
    `  Alerts:          ${state.alertCount}, last ${formatInstant(state.lastAlertAt, zone)}`,
  ];
  if (state.group) out.push(`  Group:           ${state.group.memberCount} alert(s) of ${state.group.key}, ${state.group.firing} firing`);
  if (state.nextStep) {
    // The reader's zone, and the zone of each responder paged so far.
    const theirs = Object.entries(state.nextStep.local).map(([who, local]) => `${who}: ${local}`);
    out.push(`  Next step:       ${state.nextStep.action} at ${formatInstant(state.nextStep.at, zone)}`);
    if (theirs.length) out.push(`                   ${theirs.join('\n                   ')}`);
  }
  if (state.assignedTo) out.push(`  Assigned to:     ${state.assignedTo}`);
  if (state.snoozedUntil) out.push(`  Snoozed until:   ${formatInstant(state.snoozedUntil, zone)}`);
  for (const l of state.levels ?? []) {
    const what = l.skipped ? `skipped: ${l.skipped}` : `paged ${l.paged.join(', ')}`;
    out.push(`  Level ${l.level}, pass ${l.pass}${l.trigger > 1 ? ` (trigger ${l.trigger})` : ''}: ${formatInstant(l.at, zone)}, ${what}`);
  }
  for (const a of state.acks ?? []) out.push(`  Acknowledgement: by ${a.by} via ${a.via ?? '?'} at ${formatInstant(a.at, zone)}`);
  if (state.acknowledgedBy) out.push(`  Acknowledged:    by ${state.acknowledgedBy} at ${formatInstant(state.acknowledgedAt!, zone)}`);
  if (state.resolvedBy) out.push(`  Resolved:        by ${state.resolvedBy} at ${formatInstant(state.resolvedAt!, zone)}`);
  if (state.falsePositive) out.push(`  False positive:  ${state.falsePositive.reason} (${state.falsePositive.by})`);
  for (const a of state.containment ?? []) {
    const decided = a.override ? `overridden by ${a.override.by}: ${a.override.reason}` : a.approvedBy ? `approved by ${a.approvedBy}` : a.rejected ? `rejected by ${a.rejected.by}: ${a.rejected.reason}` : `requested by ${a.requestedBy}`;
    out.push(`  Containment ${a.id}: ${describeSpec(a.spec, a.tenant)}: ${a.status} (${decided})${a.failure ? ` — ${a.failure}` : ''}`);
  }
  out.push('', typeof timeline === 'string' ? `Timeline: unavailable (${timeline})` : `Timeline (audit ledger), times in ${zone}:`);
  for (const e of typeof timeline === 'string' ? [] : timeline) out.push(`  ${String(e.seq).padStart(3)}  ${formatInstant(e.occurredAt, zone)}  ${describeEvent(e)}`);
  return out.join('\n');
}

/**
 * The timeline `klaxon simulate` prints: each step in the reader's zone, and each page also in
 * the zone of the responder it reaches.
 */
export function renderSimulation(events: IncidentEvent[], zone: string, policy: Policy): string {
  const zoneOf = new Map(policy.responders.map((r) => [r.name, r.timeZone]));
  const lines = events.map((e) => {
    const theirs = e.kind === 'responder.paged' && zoneOf.get(String(e.payload.responder));
    const local = theirs ? `   [${formatInstant(e.at, theirs)}]` : '';
    return `  ${formatInstant(e.at, zone)}  ${describeEvent(e)}${local}`;
  });
  return [`Simulated escalation under policy "${policy.name}", times in ${zone}:`, ...lines].join('\n');
}

/** What `klaxon alert test` prints: the API's proof that a test went through the whole intake and paged nobody. */
export function renderTestProof(answer: Record<string, unknown>): string {
  const recorded = answer.recorded as { stream: string; seq: number } | false | undefined;
  const paged = (answer.paged as string[] | undefined) ?? [];
  return [
    'Test alert received: signature and alert checked by the API.',
    recorded ? `Recorded in the ledger: ${recorded.stream} #${recorded.seq} (GET /v1/incidents/${recorded.stream}/timeline)` : `Not recorded: ${answer.notRecordedBecause ?? 'the API gave no reason'}`,
    paged.length ? `Paged: ${paged.join(', ')}` : 'Nobody paged. (--page fires a real alert that opens an incident and pages on-call.)',
  ].join('\n');
}

import type { IncidentState } from '../incident/incident';
import { redact } from '../shared/redaction';
import { catalogued } from './events';
import { SECTIONS, type SectionId } from './sections';

/**
 * Evidence packs: an incident's record arranged the way an auditor reads it, each part mapped
 * to the controls it evidences (./sections.ts, which cites the criteria), every item carrying
 * the ledger sequence and hash that let the auditor check it against the ledger (`klaxon audit
 * verify`). Each event goes to the part its kind's catalogue entry names (./events.ts).
 */

/**
 * Where events of kinds this Klaxon does not know go (a newer Klaxon wrote them): listed, so the
 * pack still holds every ledger event, and claiming no control, since nothing says what they
 * evidence. Present only when there are such events.
 */
export const UNKNOWN_KINDS = { id: 'unknown-kinds', title: 'Events of kinds this version of Klaxon does not know', controls: [] } as const;

/** A ledger event as the pack needs it (the ledger store's events have these fields). */
export interface EvidenceEvent {
  seq: number;
  kind: string;
  occurredAt: string;
  actor: { type: string; name: string; via?: string };
  payload: Record<string, unknown>;
  hash: string;
  globalSeq?: number;
}

export interface EvidenceItem {
  /** The ledger stream of an item from outside the incident's own (the configuration record); `seq` is its place there. */
  stream?: string;
  seq: number;
  at: string;
  kind: string;
  actor: string;
  /** The event's payload, redacted (it may quote alert titles). */
  detail: Record<string, unknown>;
  hash: string;
}

export interface EvidencePack {
  incidentId: string;
  generatedAt: string;
  incident: {
    title: string;
    tenant: string;
    severity: string;
    status: string;
    service: string;
    dataCategories: string[];
    surfaces: string[];
    jurisdictions: string[];
    policy: string;
    openedAt: string;
    acknowledged?: { by: string; at: string };
    resolved?: { by: string; at: string; note?: string };
    falsePositive?: { by: string; reason: string; at: string };
  };
  /** Minutes from opening to the first acknowledgement, the first containment applied, the first filing. */
  figures: { minutesToAcknowledge?: number; minutesToContain?: number; minutesToNotify?: number };
  /** The post-incident review (core/reviews/), when one was owed: its findings and follow-up actions; its events are in the resolution section. */
  review?: PackReview;
  sections: Array<{ id: SectionId | typeof UNKNOWN_KINDS.id; title: string; controls: readonly string[]; items: EvidenceItem[] }>;
  /** What lets an auditor verify the pack against the ledger. */
  ledger: { events: number; verified: boolean; firstBroken?: unknown; substitutes?: unknown[]; headSeq?: number; headHash?: string; headGlobalSeq?: number; howToVerify: string };
}

/** A review as the pack shows it (core/reviews/review.ts's ReviewState has these fields). */
export interface PackReview {
  status: string;
  owner: string;
  dueAt: string;
  submittedAt?: string;
  submittedBy?: string;
  findings?: { summary: string; rootCause: string; contributingFactors: string[]; wentWell: string[]; wentBadly: string[] };
  actions: Array<{ n: number; title: string; owner: string; dueAt: string; status: string; doneAt?: string; overdueAt?: string }>;
}

/** The review's own fields, its text redacted again (it was when submitted). */
function packReview(r: PackReview): PackReview {
  const f = r.findings;
  return {
    status: r.status,
    owner: r.owner,
    dueAt: r.dueAt,
    ...(r.submittedAt ? { submittedAt: r.submittedAt, submittedBy: r.submittedBy } : {}),
    ...(f ? { findings: { summary: redact(f.summary), rootCause: redact(f.rootCause), contributingFactors: f.contributingFactors.map(redact), wentWell: f.wentWell.map(redact), wentBadly: f.wentBadly.map(redact) } } : {}),
    actions: r.actions.map((a) => ({ n: a.n, title: redact(a.title), owner: a.owner, dueAt: a.dueAt, status: a.status, ...(a.doneAt ? { doneAt: a.doneAt } : {}), ...(a.overdueAt ? { overdueAt: a.overdueAt } : {}) })),
  };
}

export const minutesBetween = (from: string, to: string | undefined): number | undefined => (to ? Math.round((Date.parse(to) - Date.parse(from)) / 600) / 100 : undefined);

/**
 * The payload fields that are free text (an alert's title and labels, what people typed,
 * why something failed): redacted again in the pack, for events recorded before intake
 * redacted them. Everything else is a system field (instants, ids, dedup keys, hashes,
 * sequence numbers, counts, names) and is shown exactly as recorded: redacting it damaged the
 * record (`"lastReceivedAt": "[phone]T13:59:05.220Z"`, `"dedupKey": "csv-[number]"`).
 */
export const FREE_TEXT_PAYLOAD_FIELDS = ['title', 'labels', 'details', 'note', 'reason', 'reasons', 'reasonsForDelay', 'outstanding', 'summary', 'rootCause', 'message', 'failed', 'error'] as const;
const FREE_TEXT: ReadonlySet<string> = new Set(FREE_TEXT_PAYLOAD_FIELDS);

const redactAll = (value: unknown): unknown =>
  typeof value === 'string' ? redact(value) : Array.isArray(value) ? value.map(redactAll) : value && typeof value === 'object' ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactAll(v)])) : value;

/** A payload with its free-text fields redacted, at any depth; its system fields as recorded. */
const redactFreeText = (value: unknown): unknown =>
  Array.isArray(value)
    ? value.map(redactFreeText)
    : value && typeof value === 'object'
      ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, FREE_TEXT.has(k) ? redactAll(v) : redactFreeText(v)]))
      : value;

/** The figures of one incident: how fast it was acknowledged, contained and notified. */
export function incidentFigures(s: IncidentState): EvidencePack['figures'] {
  const firstAck = s.acks?.[0]?.at ?? s.acknowledgedAt;
  const contained = (s.containment ?? []).flatMap((a) => a.appliedAt ?? []).sort()[0];
  const filed = (s.clocks ?? []).flatMap((c) => c.filing?.filedAt ?? []).sort()[0];
  return {
    ...(firstAck ? { minutesToAcknowledge: minutesBetween(s.openedAt, firstAck) } : {}),
    ...(contained ? { minutesToContain: minutesBetween(s.openedAt, contained) } : {}),
    ...(filed ? { minutesToNotify: minutesBetween(s.openedAt, filed) } : {}),
  };
}

const itemOf = (e: EvidenceEvent, stream?: string): EvidenceItem => ({
  ...(stream ? { stream } : {}),
  seq: e.seq,
  at: e.occurredAt,
  kind: e.kind,
  actor: `${e.actor.type}:${e.actor.name}${e.actor.via ? ` via ${e.actor.via}` : ''}`,
  detail: redactFreeText(e.payload) as Record<string, unknown>,
  hash: e.hash,
});

/** Configuration records read from their own ledger stream (ledger/configuration-record.ts). */
export interface ConfigurationEvents {
  stream: string;
  events: EvidenceEvent[];
}

/** The hash of the policy an event pinned the incident to: on opening, and on each re-pin. */
function pinnedHash(e: EvidenceEvent): string | undefined {
  const hash = e.kind === 'incident.opened' ? e.payload.policyHash : e.kind === 'policy.repinned' ? (e.payload.to as { policyHash?: unknown } | undefined)?.policyHash : undefined;
  return typeof hash === 'string' ? hash : undefined;
}

/**
 * The configuration records that brought into force the policy versions the incident pinned:
 * for each, the latest `configuration.applied` listing its hash at or before it was pinned (else
 * the first listing it: another replica may have written the record a moment after this
 * incident's replica applied the file). What an auditor samples for change management: which
 * version of the policy governed this incident, and when it took effect.
 */
export function policyRecordsOf(events: EvidenceEvent[], configuration: EvidenceEvent[]): EvidenceEvent[] {
  const lists = (c: EvidenceEvent, hash: string) => c.kind === 'configuration.applied' && Array.isArray(c.payload.policies) && c.payload.policies.some((p: { hash?: unknown } | null) => p?.hash === hash);
  const found = events.flatMap((e) => {
    const hash = pinnedHash(e);
    if (!hash) return [];
    const listing = configuration.filter((c) => lists(c, hash));
    const record = listing.filter((c) => c.occurredAt <= e.occurredAt).at(-1) ?? listing[0];
    return record ? [record] : [];
  });
  return [...new Set(found)].sort((a, b) => a.seq - b.seq);
}

/** The events by part of the pack, in ledger order within each; those of unknown kinds last, apart. */
function packSections(events: EvidenceEvent[], configuration?: ConfigurationEvents): EvidencePack['sections'] {
  const records = configuration ? policyRecordsOf(events, configuration.events).map((e) => itemOf(e, configuration.stream)) : [];
  const known = (Object.keys(SECTIONS) as SectionId[]).map((id) => ({
    id,
    ...SECTIONS[id],
    items: [...(id === 'configuration' ? records : []), ...events.filter((e) => catalogued(e.kind)?.section === id).map((e) => itemOf(e))],
  }));
  const unknown = events.filter((e) => !catalogued(e.kind)).map((e) => itemOf(e));
  return unknown.length ? [...known, { ...UNKNOWN_KINDS, items: unknown }] : known;
}

/** An incident's pack; `configuration`, the configuration record's stream, adds the records of the policy versions it pinned. */
export function evidencePack(
  s: IncidentState,
  events: EvidenceEvent[],
  verification: { ok: boolean; firstBroken?: unknown; substitutes?: unknown[] },
  generatedAt: string,
  configuration?: ConfigurationEvents,
  review?: PackReview,
): EvidencePack {
  const head = events.at(-1);
  return {
    incidentId: s.incidentId,
    generatedAt,
    incident: {
      title: redact(s.title),
      tenant: s.tenant,
      severity: s.severity,
      status: s.status,
      service: s.service,
      dataCategories: s.dataCategories,
      surfaces: s.surfaces,
      jurisdictions: s.jurisdictions,
      policy: s.policyName,
      openedAt: s.openedAt,
      ...(s.acks?.[0] ? { acknowledged: { by: s.acks[0].by, at: s.acks[0].at } } : {}),
      ...(s.resolvedAt ? { resolved: { by: s.resolvedBy!, at: s.resolvedAt, ...(s.resolveNote ? { note: redact(s.resolveNote) } : {}) } } : {}),
      ...(s.falsePositive ? { falsePositive: { ...s.falsePositive, reason: redact(s.falsePositive.reason) } } : {}),
    },
    figures: incidentFigures(s),
    ...(review ? { review: packReview(review) } : {}),
    sections: packSections(events, configuration),
    ledger: {
      events: events.length,
      verified: verification.ok,
      ...(verification.firstBroken ? { firstBroken: verification.firstBroken } : {}),
      // Events the database refused, recorded as substitutes: the record is not whole there.
      ...(verification.substitutes?.length ? { substitutes: verification.substitutes } : {}),
      ...(head ? { headSeq: head.seq, headHash: head.hash, ...(head.globalSeq ? { headGlobalSeq: head.globalSeq } : {}) } : {}),
      howToVerify: `klaxon audit verify --incident ${s.incidentId} (every item's hash is the ledger event's; the head hash closes the chain)`,
    },
  };
}

/**
 * A CSV cell: quoted when it holds a separator, a quote or a line break; and a cell a
 * spreadsheet would run as a formula (leading `=`, `+`, `-`, `@`, tab or carriage return)
 * is prefixed with `'`, so it is shown as text (OWASP's advice against CSV injection).
 */
export const csvCell = (v: unknown): string => {
  const raw = typeof v === 'string' ? v : JSON.stringify(v);
  const text = /^[=+\-@\t\r]/.test(raw) ? `'${raw}` : raw;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};

/**
 * Outside text in Markdown (a table cell, a list item): a `|` would end the cell and a line break
 * the row, a renderer would run HTML, and a `[` starts a link, an image or a link reference
 * definition (`[email]: https://…` would turn every redacted "[email]" of the pack into a link
 * to it), so those are escaped; the text reads the same.
 */
export const mdCell = (v: string): string =>
  v.replace(/[\\|<>&[\]]/g, (c) => ({ '\\': '\\\\', '|': '\\|', '<': '&lt;', '>': '&gt;', '&': '&amp;', '[': '\\[', ']': '\\]' })[c]!).replace(/\r\n|\r|\n/g, '<br>');

/** One row per item: section, controls, sequence, time, kind, actor, detail, hash. */
export function evidenceCsv(p: EvidencePack): string {
  const rows = [['incident', 'section', 'controls', 'seq', 'at', 'kind', 'actor', 'detail', 'hash']];
  // An item of another stream (the configuration record) is named by that stream, where its seq counts.
  for (const s of p.sections) for (const i of s.items) rows.push([i.stream ?? p.incidentId, s.title, s.controls.join('; '), String(i.seq), i.at, i.kind, i.actor, JSON.stringify(i.detail), i.hash]);
  return `${rows.map((r) => r.map(csvCell).join(',')).join('\n')}\n`;
}

export function evidenceMarkdown(p: EvidencePack): string {
  const i = p.incident;
  const f = p.figures;
  const fig = (v: number | undefined) => (v === undefined ? 'n/a' : `${v} min`);
  return [
    `# Incident evidence: ${p.incidentId}`,
    '',
    `Generated ${p.generatedAt}. All times UTC.`,
    '',
    `| | |`,
    `| --- | --- |`,
    `| Title | ${mdCell(i.title)} |`,
    `| Tenant | ${mdCell(i.tenant)} |`,
    `| Severity | ${i.severity} |`,
    `| Status | ${i.status}${i.falsePositive ? ` (false positive: ${mdCell(i.falsePositive.reason)})` : ''} |`,
    `| Service, surfaces | ${mdCell(i.service)}; ${i.surfaces.join(', ') || 'none recorded'} |`,
    `| Data categories | ${mdCell(i.dataCategories.join(', ')) || 'none reported'} |`,
    `| Jurisdictions | ${i.jurisdictions.join(', ') || 'none recorded'} |`,
    `| Policy | ${mdCell(i.policy)} |`,
    `| Opened | ${i.openedAt} |`,
    `| Acknowledged | ${i.acknowledged ? `${i.acknowledged.at} by ${mdCell(i.acknowledged.by)}` : 'not acknowledged'} |`,
    `| Resolved | ${i.resolved ? `${i.resolved.at} by ${mdCell(i.resolved.by)}${i.resolved.note ? `: ${mdCell(i.resolved.note)}` : ''}` : 'open'} |`,
    `| Time to acknowledge / contain / notify | ${fig(f.minutesToAcknowledge)} / ${fig(f.minutesToContain)} / ${fig(f.minutesToNotify)} |`,
    '',
    ...reviewMarkdown(p.review),
    ...p.sections.flatMap((s) => [
      `## ${s.title}`,
      '',
      `Evidences: ${s.controls.join(', ') || 'no control claimed'}`,
      '',
      ...(s.items.length ? ['| # | at | event | by | detail | hash |', '| --- | --- | --- | --- | --- | --- |', ...s.items.map((it) => `| ${it.stream ? `${mdCell(it.stream)} ` : ''}${it.seq} | ${it.at} | ${it.kind} | ${mdCell(it.actor)} | ${mdCell(JSON.stringify(it.detail).slice(0, 300))} | \`${it.hash.slice(0, 16)}…\` |`)] : ['Nothing recorded.']),
      '',
    ]),
    '## Verification',
    '',
    `Ledger events: ${p.ledger.events}; chain ${p.ledger.verified ? 'verified' : `BROKEN: ${JSON.stringify(p.ledger.firstBroken)}`}; head #${p.ledger.headSeq} \`${p.ledger.headHash}\`${p.ledger.headGlobalSeq ? ` (global #${p.ledger.headGlobalSeq})` : ''}.`,
    '',
    p.ledger.howToVerify,
    '',
  ].join('\n');
}

/** The review's part of the Markdown pack: findings and actions, every outside word escaped. */
function reviewMarkdown(r: PackReview | undefined): string[] {
  if (!r) return [];
  const f = r.findings;
  const list = (title: string, items: string[]) => (items.length ? [`**${title}**`, '', ...items.map((i) => `- ${mdCell(i)}`), ''] : []);
  return [
    '## Post-incident review',
    '',
    `Status: ${r.status}. Owner: ${mdCell(r.owner)}, due ${r.dueAt}.${r.submittedAt ? ` Submitted ${r.submittedAt} by ${mdCell(r.submittedBy ?? '')}.` : ' Not submitted.'}`,
    '',
    ...(f ? [`**Summary**: ${mdCell(f.summary)}`, '', `**Root cause**: ${mdCell(f.rootCause)}`, '', ...list('Contributing factors', f.contributingFactors), ...list('Went well', f.wentWell), ...list('Went badly', f.wentBadly)] : []),
    ...(r.actions.length
      ? ['| # | action | owner | due | status |', '| --- | --- | --- | --- | --- |', ...r.actions.map((a) => `| ${a.n} | ${mdCell(a.title)} | ${mdCell(a.owner)} | ${a.dueAt} | ${a.status}${a.doneAt ? ` ${a.doneAt}` : a.overdueAt ? ' (overdue)' : ''} |`), '']
      : ['No follow-up action.', '']),
  ];
}

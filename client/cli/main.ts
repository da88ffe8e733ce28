import { readFileSync } from 'node:fs';
import type { Pool } from 'pg';
import { parseArgs } from 'node:util';
import { loadConfig } from '../../config/environment';
import type { ResponderRef } from '../../core/incident/incident';
import { DateTime } from 'luxon';
import { parseGenericAlert } from '../../core/alerts/alert';
import { withHash } from '../../config/environment';
import { parsePolicyBook } from '../../core/policy/policy-document';
import { draftMarkdown, notificationDraft } from '../../core/regulation/drafts';
import { OBLIGATIONS, obligationById } from '../../core/regulation/regimes';
import { policyFor } from '../../core/policy/routing';
import { simulate } from '../../core/policy/simulation';
import { klaxonSignatureHeader } from '../../core/shared/signature';
import { formatInstant, isInstantWithOffset, readerZone } from '../../core/shared/time-format';
import { openDatabase } from '../../ledger/database';
import { LedgerStore } from '../../ledger/store';
import { connectIncidents } from '../connect';
import { cliEnvironment } from './environment';
import { clockView } from '../../core/regulation/clock-view';
import type { ContainmentKind, ContainmentSpec } from '../../core/containment/containment';
import type { Art34Exception } from '../../core/regulation/legal-clocks';
import { EVIDENCE_FORMATS, incidentEvidence, periodEvidence, renderEvidence, type EvidenceFormat } from '../evidence';
import { archiveClosedRuns } from '../history-archiver';
import { HistoryArchive } from '../../ledger/history-archive';
import { ApiTokens, SCOPES } from '../../ledger/api-tokens';
import { migrate } from '../../ledger/migrate';
import { Retention } from '../../ledger/retention';
import { ledgerVerifySettings, readLedgerKey } from '../../ledger/signing';
import { runAudit } from './audit';
import { incidentHistory } from '../incident-history';
import { computeRegimeClock, renderClock, renderIncidentClocks, renderRegimes, triggerEvent } from './clocks';
import { renderIncident, renderList, renderSimulation, renderTestProof } from './render';

const USAGE = `klaxon — escalation orchestrator for data-leak incidents

Usage:
  klaxon incidents list [--all] [--status s]… [--severity SEV1,SEV2] [--tenant t] [--category c] [--jurisdiction j]
                     [--since <time>] [--until <time>] [--deadline-within 24h] [--json] [--tz Zone]
                                                         open incidents (--all: closed ones too), by status,
                                                         severity, tenant, data category, jurisdiction, opened
                                                         between --since and --until, or with a legal deadline
                                                         within 90m, 24h, 3d… (overdue included)
  klaxon incidents show <id> [--json] [--tz Zone]        state and audit timeline of one incident
  klaxon incidents unredacted <id>                       the incident's first alerts as sent (JSON), kept only under a
                                                         policy with keepUnredactedAlerts; needs KLAXON_PAYLOAD_KEYS_FILE
  klaxon ack <id> --as <responder> [--json]              acknowledge: stops the paging
  klaxon resolve <id> --as <responder> [--note text] [--json]
  klaxon escalate <id> --as <responder> [--json]         page the next level now
  klaxon snooze <id> --as <responder> --minutes N        pause paging; the level is paged again after
  klaxon reassign <id> --as <responder> --to <responder> page that person now; the ladder goes on from them
  klaxon repin <id> --as <responder> [--policy name]     pin the policy file's current version to the incident
  klaxon alert test [--tenant t] [--severity SEV2] [--title text] [--dedup-key k] [--page] [--json]
                                                         fire a signed test alert at the API: received and
                                                         recorded, nobody paged; --page opens a real incident
  klaxon policy validate <file>                          check a policy file (errors name line and field)
  klaxon clocks <id> [--tz Zone]                         an incident's legal clocks and their deadlines
  klaxon clocks trigger <id> --event aware|discovered|… --as <name> [--at <time>] [--reason text]
                                                         record what starts clocks (in the past: with a reason)
  klaxon clocks file <id> --regime <id> --reference <ref> --as <name> [--filed-at <time>] [--reasons text] [--attach name]
                     [--outstanding item]…               record a filing: its clock stops (late: reasons required;
                                                         with items outstanding: a phase, a follow-up is owed)
  klaxon clocks obligations <id> [--add <regime>]… [--remove <regime>]… --reason text --as <name>
                                                         change which obligations apply, with the reason
  klaxon clocks risk <id> --high-risk yes|no [--exception unintelligible|risk-no-longer-likely|public-communication]
                     --reasons text --as <name> [--at <time>]
                                                         the Art. 34 decision: starts (or not) the communication clock
  klaxon clocks draft <id> --regime <id> [--json]        the notification draft, every required item, unknowns marked
  klaxon clocks regimes                                  notification obligations Klaxon keeps, with sources
  klaxon clocks compute --regime <id> --trigger <time with offset> [--aware <time>] [--jurisdiction <code>]
                                                         a regime's deadline and reminders from a trigger
  klaxon containment request <id> --kind isolate-tenant --mode read-only|maintenance|blocked --reason text --as <name>
  klaxon containment request <id> --kind throttle-provisioning --limit invitations=0 [--limit signups=0]… --reason text --as <name>
  klaxon containment request <id> --kind suspend-credentials --credential <name>… --reason text --as <name>
                                                         ask for a containment action (a second person approves)
  klaxon containment approve|reject|override <id> <action> --as <name> [--reason text]
                                                         decide it (reject and override need a reason)
  klaxon false-positive <id> --reason text --as <name>   resolve as a false positive: containment is rolled back
  klaxon audit verify [--incident <id>] [--anchor <anchor or file>]
                                                         recompute the ledger's hash chains; names the first broken event,
                                                         checks every signed anchor given and lists unstorable substitutes
  klaxon audit anchor [--out <file>]                     the global chain's head, signed with the ledger key, to keep
                                                         outside Klaxon (--out appends it to an anchor file)
  klaxon audit archive [--incident <id>]                 copy closed incidents' Temporal histories into the ledger now
                                                         (the worker does so every KLAXON_ARCHIVE_INTERVAL_MINUTES)
  klaxon audit purge [--dry-run]                         remove incidents past KLAXON_LEDGER_RETENTION_DAYS (database owner
                                                         only, with the ledger key); the purge is recorded, signed, so
                                                         the chains still verify
  klaxon incidents history <id>                          every run's Temporal event history (JSON), from Temporal
                                                         or, once it expired there, from the ledger archive
  klaxon evidence export <id> [--format json|csv|md]     the incident's evidence pack, mapped to SOC 2 / ISO 27001
                                                         controls, with the ledger hashes to verify it
  klaxon evidence export --since <time> --until <time> [--format json|csv|md]
                                                         response times (acknowledge, contain, notify) per severity
  klaxon tokens create --name <name> --scope incidents:read|audit:read|incidents:write… [--as <responder>] [--tenant t1,t2]
                                                         a bearer token for the REST API (shown once); a write
                                                         token acts as the responder --as names; with --tenant it
                                                         sees, lists, exports and changes only those tenants' incidents
  klaxon tokens list | klaxon tokens revoke <name>
  klaxon simulate --policy <file> --alert <json|file> --at <time> [--ack-at <time>] [--ack-by name]
                                                         who would be paged when, by the workflow's own rules
                                                         (times without an offset are read in --tz)

Times are shown in --tz, else TZ, else the system's zone. --as defaults to $KLAXON_AS.
Connection settings come from the environment (TEMPORAL_ADDRESS, DATABASE_URL, KLAXON_API_URL,
KLAXON_WEBHOOK_SECRET) or, while \`npm start\` runs, from .data/stack.json.`;

class UsageError extends Error {}

const options = {
  json: { type: 'boolean' },
  all: { type: 'boolean' },
  tz: { type: 'string' },
  as: { type: 'string' },
  note: { type: 'string' },
  tenant: { type: 'string' },
  severity: { type: 'string' },
  title: { type: 'string' },
  'dedup-key': { type: 'string' },
  page: { type: 'boolean' },
  minutes: { type: 'string' },
  to: { type: 'string' },
  policy: { type: 'string' },
  alert: { type: 'string' },
  at: { type: 'string' },
  'ack-at': { type: 'string' },
  'ack-by': { type: 'string' },
  regime: { type: 'string' },
  'deadline-within': { type: 'string' },
  event: { type: 'string' },
  reason: { type: 'string' },
  reference: { type: 'string' },
  reasons: { type: 'string' },
  'filed-at': { type: 'string' },
  attach: { type: 'string', multiple: true },
  outstanding: { type: 'string', multiple: true },
  add: { type: 'string', multiple: true },
  remove: { type: 'string', multiple: true },
  'high-risk': { type: 'string' },
  kind: { type: 'string' },
  incident: { type: 'string' },
  out: { type: 'string' },
  name: { type: 'string' },
  format: { type: 'string' },
  'dry-run': { type: 'boolean' },
  scope: { type: 'string', multiple: true },
  status: { type: 'string', multiple: true },
  category: { type: 'string' },
  since: { type: 'string' },
  until: { type: 'string' },
  anchor: { type: 'string' },
  mode: { type: 'string' },
  limit: { type: 'string', multiple: true },
  credential: { type: 'string', multiple: true },
  exception: { type: 'string' },
  trigger: { type: 'string' },
  aware: { type: 'string' },
  jurisdiction: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof options; allowPositionals: true }>>['values'];

async function run(argv: string[], env: NodeJS.ProcessEnv): Promise<string> {
  const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true });
  const [command, sub, arg] = positionals;
  if (values.help || !command) return USAGE;
  const zone = () => readerZone(values.tz, Intl.DateTimeFormat().resolvedOptions().timeZone);
  const print = (data: unknown, human: () => string): string => (values.json ? JSON.stringify(data, null, 2) : human());

  if (command === 'policy') {
    if (sub !== 'validate' || !arg) throw new UsageError('usage: klaxon policy validate <file>');
    const book = parsePolicyBook(readFileSync(arg, 'utf8'), arg);
    return print(book, () =>
      [
        ...book.policies.map((p) => `${arg}: policy "${p.name}" is valid: ${p.responders.length} responder(s), ${p.levels.length} level(s), the ladder runs ${p.repeat + 1} time(s)`),
        ...(book.routes.length ? [`${arg}: ${book.routes.length} route(s); alerts no route matches get "${book.policies[0].name}"`] : []),
      ].join('\n'),
    );
  }
  if (command === 'simulate') return runSimulation(values, zone());
  if (command === 'clocks' && sub === 'regimes') return values.json ? JSON.stringify(OBLIGATIONS, null, 2) : renderRegimes();
  if (command === 'clocks' && sub === 'compute') {
    if (!values.regime || !values.trigger) throw new UsageError('usage: klaxon clocks compute --regime <id> --trigger <ISO time with offset> [--aware <time>] [--jurisdiction <code>]');
    const clock = computeRegimeClock(values.regime, values.trigger, { aware: values.aware, jurisdiction: values.jurisdiction });
    return print(clock, () => renderClock(clockView(clock, zone()), zone()));
  }

  // Checked before anything connects: an unknown event must never reach the append-only ledger.
  const triggerKind = command === 'clocks' && sub === 'trigger' && values.event ? triggerEvent(values.event) : undefined;

  const config = loadConfig(env, (path) => readFileSync(path, 'utf8'));
  /** Runs `use` on the ledger database (DATABASE_URL, or the running embedded stack's), closed after. */
  const withLedger = async <T>(purpose: string, use: (db: Pool) => Promise<T>): Promise<T> => {
    if (!config.databaseUrl) throw new UsageError(`${purpose} in the ledger database: DATABASE_URL is not set, and no embedded stack is running`);
    const db = openDatabase(config.databaseUrl, { max: 2 });
    try {
      return await use(db);
    } finally {
      await db.end();
    }
  };
  if (command === 'tokens') {
    return withLedger('tokens live', async (db) => {
      await migrate(db);
      const tokens = new ApiTokens(db);
      if (sub === 'create') {
        if (!values.name || !values.scope?.length) throw new UsageError(`usage: klaxon tokens create --name <name> --scope <${SCOPES.join('|')}>…`);
        const tenants = values.tenant === undefined ? undefined : values.tenant.split(',').map((t) => t.trim()).filter(Boolean);
        const t = await tokens.create(values.name, values.scope, values.as, tenants);
        const bound = t.tenants ? `, tenants ${t.tenants.join(', ')} only` : '';
        return print(t, () => `${t.token}\n(token "${t.name}", scopes ${t.scopes.join(', ')}${bound}: shown this once; Klaxon keeps only its SHA-256)`);
      }
      if (sub === 'revoke') {
        if (!arg) throw new UsageError('usage: klaxon tokens revoke <name>');
        await tokens.revoke(arg);
        return print({ revoked: arg }, () => `token "${arg}" revoked.`);
      }
      if (sub === 'list') {
        const all = await tokens.list();
        return print(all, () => all.map((t) => `${t.name.padEnd(24)} ${t.scopes.join(',').padEnd(40)} ${(t.tenants ? `tenants ${t.tenants.join(',')}` : 'every tenant').padEnd(24)} created ${t.createdAt}${t.revokedAt ? `, revoked ${t.revokedAt}` : ''}`).join('\n') || 'No tokens.');
      }
      throw new UsageError('usage: klaxon tokens create|list|revoke');
    });
  }
  if (command === 'audit' && sub === 'purge') {
    return withLedger('the ledger is', async (db) => {
      const retention = new Retention(db, new LedgerStore(db));
      const plan = values['dry-run'] ? await retention.plan(config.retentionDays, new Date()) : await retention.purge(config.retentionDays, new Date(), readLedgerKey(config.ledgerKeyFile));
      const what = `${plan.incidents.length} incident(s), ${plan.events} event(s) with no event for ${plan.retentionDays} days`;
      return print(plan, () => (values['dry-run'] ? `Would purge ${what}.` : plan.incidents.length ? `Purged ${what}; the purge is recorded in the ledger.` : 'Nothing is past the retention.'));
    });
  }
  if (command === 'audit' && sub !== 'archive') {
    if (!['verify', 'anchor'].includes(sub ?? '')) throw new UsageError('usage: klaxon audit verify [--incident <id>] [--anchor <anchor or file>] | klaxon audit anchor [--out <file>] | klaxon audit archive [--incident <id>] | klaxon audit purge [--dry-run]');
    const settings = { keyFile: config.ledgerKeyFile, retentionDays: config.retentionDays };
    const { data, text } = await withLedger('the ledger is', (db) => runAudit(sub, { incident: values.incident, anchor: values.anchor, out: values.out }, new LedgerStore(db), settings));
    return print(data, () => text);
  }
  if (command === 'alert') {
    if (sub !== 'test') throw new UsageError(`unknown alert command "${sub ?? ''}"; try: klaxon alert test`);
    return print(...(await fireTestAlert(values, env)));
  }

  const { incidents, client, connection } = await connectIncidents(config);
  try {
    if (command === 'audit') {
      const done = await withLedger('the archive is', (db) => archiveClosedRuns(client, new HistoryArchive(db), new LedgerStore(db), { incidentId: values.incident }));
      return print(done, () => (done.length ? done.map((r) => `archived ${r.incidentId} run ${r.runId} (${r.status}, ${r.events} events, sha256 ${r.sha256})`).join('\n') : 'Every closed incident run is archived already.'));
    }
    if (command === 'evidence') {
      const usage = 'usage: klaxon evidence export <id> [--format json|csv|md], or klaxon evidence export --since <time> --until <time> [--format json|csv|md]';
      const format = (values.format ?? 'json') as EvidenceFormat;
      if (sub !== 'export' || !EVIDENCE_FORMATS.includes(format)) throw new UsageError(usage);
      if (!arg) {
        if (!values.since || !values.until || !isInstantWithOffset(values.since) || !isInstantWithOffset(values.until)) throw new UsageError(usage);
        return await periodEvidence(incidents, new Date(values.since), new Date(values.until), format);
      }
      return await withLedger('evidence is', async (db) => renderEvidence(await incidentEvidence(incidents, new LedgerStore(db), arg, new Date(), ledgerVerifySettings(config)), format));
    }
    if (command === 'incidents' && sub === 'history') {
      if (!arg) throw new UsageError('usage: klaxon incidents history <id>');
      const db = config.databaseUrl ? openDatabase(config.databaseUrl, { max: 1 }) : undefined;
      try {
        return JSON.stringify(await incidentHistory(client, db && new HistoryArchive(db), arg), null, 2);
      } finally {
        await db?.end();
      }
    }
    if (command === 'incidents' && sub === 'list') {
      const within = values['deadline-within'];
      const instant = (flag: 'since' | 'until') => {
        const text = values[flag];
        if (text === undefined) return undefined;
        if (!isInstantWithOffset(text)) throw new UsageError(`--${flag} "${text}" needs a date-time with an offset or Z (e.g. 2026-11-01T00:00Z)`);
        return new Date(text);
      };
      const rows = await incidents.list({
        openOnly: !values.all,
        status: values.status,
        severity: values.severity?.split(','),
        tenant: values.tenant,
        dataCategory: values.category,
        jurisdiction: values.jurisdiction,
        openedFrom: instant('since'),
        openedTo: instant('until'),
        ...(within ? { deadlineBefore: new Date(Date.now() + durationMs('--deadline-within', within)) } : {}),
      });
      return print(rows, () => renderList(rows, zone()));
    }
    if (command === 'incidents' && sub === 'unredacted') {
      if (!arg) throw new UsageError('usage: klaxon incidents unredacted <id>');
      // No REST route and no token reads them: only who holds the payload key and reaches Temporal.
      if (!config.payloadKeys.length) throw new UsageError('unredacted alerts are kept encrypted: set KLAXON_PAYLOAD_KEYS_FILE to the payload key file to read them');
      return JSON.stringify(await incidents.unredactedAlerts(arg), null, 2);
    }
    if (command === 'incidents' && sub === 'show') {
      if (!arg) throw new UsageError('usage: klaxon incidents show <id>');
      const state = await incidents.state(arg);
      const timeline = config.databaseUrl ? await withLedger('the timeline is', (db) => new LedgerStore(db).timeline(arg)) : undefined;
      return print({ state, timeline }, () => renderIncident(state, timeline, zone()));
    }
    /** Who acts, from --as or $KLAXON_AS; the usage line when nobody is named. */
    const actingAs = (usage: string): ResponderRef => {
      const as = values.as ?? env.KLAXON_AS;
      if (!as) throw new UsageError(usage);
      return { responder: as, via: 'cli' };
    };
    /** A policy of the policy file, by name (the one an incident pinned, unless --policy names another). */
    const policyNamed = (name: string) => config.policies.policies.find((p) => p.name === name);

    if (command === 'clocks' && sub === 'trigger') {
      const usage = 'usage: klaxon clocks trigger <id> --event <aware|discovered|materiality-determined|…> --as <responder> [--at <time>] [--reason text]';
      if (!arg || !triggerKind) throw new UsageError(usage);
      const r = await incidents.recordTrigger(arg, { by: actingAs(usage), event: triggerKind, at: values.at, reason: values.reason });
      return print(r, () => `${arg}: "${r.event}" recorded at ${formatInstant(r.at, zone())}; clocks started: ${r.starts.join(', ') || 'none apply'}.`);
    }
    if (command === 'clocks' && sub === 'file') {
      const usage = 'usage: klaxon clocks file <id> --regime <id> --reference <ref> --as <responder> [--filed-at <time>] [--reasons text] [--attach name]';
      if (!arg || !values.regime || !values.reference) throw new UsageError(usage);
      const r = await incidents.file(arg, {
        by: actingAs(usage), obligation: values.regime, reference: values.reference, filedAt: values['filed-at'], reasonsForDelay: values.reasons, attachments: values.attach,
        outstanding: values.outstanding,
      });
      const owed = r.outstanding.length ? ` A follow-up is owed for: ${r.outstanding.join('; ')}.` : '';
      return print(r, () => `${arg}: ${r.obligation} filed${r.late ? ' (late)' : ''}.${owed}${r.starts.length ? ` Clocks started: ${r.starts.join(', ')}.` : ''}`);
    }
    if (command === 'clocks' && sub === 'obligations') {
      const usage = 'usage: klaxon clocks obligations <id> [--add <regime>]… [--remove <regime>]… --reason text --as <responder>';
      if (!arg || !values.reason) throw new UsageError(usage);
      const r = await incidents.changeObligations(arg, { by: actingAs(usage), add: values.add, remove: values.remove, reason: values.reason });
      return print(r, () => `${arg}: obligations now ${r.obligations.join(', ') || 'none'}.${r.starts.length ? ` Clocks started: ${r.starts.join(', ')}.` : ''}`);
    }
    if (command === 'clocks' && sub === 'risk') {
      const usage = 'usage: klaxon clocks risk <id> --high-risk yes|no [--exception <Art. 34(3) exception>] --reasons text --as <responder> [--at <time>]';
      if (!arg || !['yes', 'no'].includes(values['high-risk'] ?? '') || !values.reasons) throw new UsageError(usage);
      const r = await incidents.decideRisk(arg, {
        by: actingAs(usage), highRisk: values['high-risk'] === 'yes', exception: values.exception as Art34Exception | undefined, reasons: values.reasons, at: values.at,
      });
      return print(r, () => `${arg}: ${r.highRisk ? 'high risk' : 'not high risk'}; Art. 34 communication: ${r.art34}.${r.starts.length ? ` Clocks started: ${r.starts.join(', ')}.` : ''}`);
    }
    if (command === 'clocks' && sub === 'draft') {
      if (!arg || !values.regime) throw new UsageError('usage: klaxon clocks draft <id> --regime <regime id> [--json]');
      const state = await incidents.state(arg);
      // The DPO's contact comes from the policy the incident pinned, as the policy file names it.
      const draft = notificationDraft(obligationById(values.regime), state, policyNamed(state.policyName), new Date().toISOString());
      return print(draft, () => draftMarkdown(draft));
    }
    if (command === 'clocks' && sub) {
      const view = await incidents.clocks(sub, zone());
      return print(view, () => renderIncidentClocks(view));
    }
    if (command === 'containment') {
      const usage = 'usage: klaxon containment request <id> --kind <kind> … --reason text --as <responder>, or klaxon containment approve|reject|override <id> <action> --as <responder>';
      if (!arg) throw new UsageError(usage);
      if (sub === 'request') {
        if (!values.kind || !values.reason) throw new UsageError(usage);
        const r = await incidents.requestContainment(arg, { by: actingAs(usage), spec: containmentSpecOf(values), reason: values.reason });
        return print(r, () => `${arg}: containment ${r.actionId} requested; it waits for an approver other than you.`);
      }
      const actionId = positionals[3];
      if (!['approve', 'reject', 'override'].includes(sub) || !actionId) throw new UsageError(usage);
      const r = await incidents.decideContainment(arg, sub as 'approve' | 'reject' | 'override', { by: actingAs(usage), actionId, reason: values.reason });
      return print(r, () => `${arg}: containment ${r.actionId} is ${r.status}.`);
    }
    if (command === 'false-positive') {
      const usage = 'usage: klaxon false-positive <id> --reason text --as <responder>';
      if (!sub || !values.reason) throw new UsageError(usage);
      const r = await incidents.falsePositive(sub, actingAs(usage), values.reason);
      return print(r, () => `${sub} resolved as a false positive by ${r.resolvedBy}; its containment is rolled back.`);
    }
    if (['ack', 'resolve', 'escalate', 'snooze', 'reassign', 'repin'].includes(command)) {
      const id = sub;
      const usage = `usage: klaxon ${command} <id> --as <responder>`;
      if (!id) throw new UsageError(usage);
      const by = actingAs(usage);
      if (command === 'escalate') {
        const r = await incidents.escalate(id, by);
        return print(r, () => `${id}: escalating past level ${r.fromLevel} now.`);
      }
      if (command === 'ack') {
        const r = await incidents.acknowledge(id, by);
        return print(r, () => (r.alreadyDone ? `${id} was already acknowledged by ${r.acknowledgedBy}.` : `${id} acknowledged by ${r.acknowledgedBy}.`));
      }
      if (command === 'resolve') {
        const r = await incidents.resolve(id, by, values.note);
        return print(r, () => (r.alreadyDone ? `${id} was already resolved by ${r.resolvedBy}.` : `${id} resolved by ${r.resolvedBy}.`));
      }
      if (command === 'snooze') {
        const minutes = Number(values.minutes);
        if (!values.minutes || !Number.isInteger(minutes)) throw new UsageError('usage: klaxon snooze <id> --as <responder> --minutes <whole minutes>');
        const r = await incidents.snooze(id, by, minutes);
        return print(r, () => `${id} snoozed until ${formatInstant(r.snoozedUntil, zone())}; the level is paged again then.`);
      }
      if (command === 'reassign') {
        if (!values.to) throw new UsageError('usage: klaxon reassign <id> --as <responder> --to <responder>');
        const r = await incidents.reassign(id, by, values.to);
        return print(r, () => `${id} reassigned to ${r.assignedTo}, who is paged now.`);
      }
      const name = values.policy ?? (await incidents.state(id)).policyName;
      const policy = policyNamed(name);
      if (!policy) throw new UsageError(`the policy file has no policy "${name}"; name one with --policy`);
      const r = await incidents.repin(id, by, policy);
      return print(r, () => `${id} now follows policy "${r.policy}" (sha256 ${r.policyHash}).`);
    }
    throw new UsageError(`unknown command "${positionals.join(' ')}"\n\n${USAGE}`);
  } finally {
    await connection.close();
  }
}

/** The action `klaxon containment request` describes with its flags; the workflow validates it. */
function containmentSpecOf(values: Values): ContainmentSpec {
  const limits = Object.fromEntries(
    (values.limit ?? []).map((entry) => {
      const [name, n] = entry.split('=');
      if (!name || !/^\d+$/.test(n ?? '')) throw new UsageError(`--limit "${entry}" is not name=<whole number>, e.g. invitations=0`);
      return [name, Number(n)];
    }),
  );
  return {
    kind: values.kind as ContainmentKind,
    ...(values.mode ? { mode: values.mode as ContainmentSpec['mode'] } : {}),
    ...(values.limit ? { limits } : {}),
    ...(values.credential ? { credentials: values.credential } : {}),
  };
}

/** `90m`, `24h`, `3d` in milliseconds. */
function durationMs(flag: string, text: string): number {
  const m = /^(\d+)([mhd])$/.exec(text);
  if (!m) throw new UsageError(`${flag} "${text}" is not a duration such as 90m, 24h or 3d`);
  return Number(m[1]) * { m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 'm' | 'h' | 'd'];
}

/** `klaxon simulate`: the escalation an alert would get, computed by the workflow's own rules. */
function runSimulation(values: Values, zone: string): string {
  if (!values.policy || !values.alert || !values.at) throw new UsageError('usage: klaxon simulate --policy <file> --alert <json|file> --at <time> [--ack-at <time>] [--ack-by name]');
  const book = parsePolicyBook(readFileSync(values.policy, 'utf8'), values.policy);
  const instant = (flag: string, text: string): string => {
    const t = DateTime.fromISO(text, { zone, setZone: true });
    if (!t.isValid) throw new UsageError(`--${flag} "${text}" is not an ISO date-time (e.g. 2026-03-08T01:30 with --tz America/New_York, or 2026-03-08T01:30-05:00)`);
    return t.toUTC().toISO()!;
  };
  const at = instant('at', values.at);
  const alertJson = values.alert.trimStart().startsWith('{') ? values.alert : readFileSync(values.alert, 'utf8');
  const alert = parseGenericAlert(JSON.parse(alertJson), { deliveryId: 'simulated', receivedAt: at });
  const policy = withHash(policyFor(book, alert));
  const result = simulate({ policy, alert, at, ackAt: values['ack-at'] && instant('ack-at', values['ack-at']), ackBy: values['ack-by'] });
  const print = values.json ? JSON.stringify(result, null, 2) : renderSimulation(result.events, zone, policy);
  return print;
}

async function fireTestAlert(values: Values, env: NodeJS.ProcessEnv): Promise<[unknown, () => string]> {
  const secret = env.KLAXON_WEBHOOK_SECRET;
  if (!secret) throw new UsageError('KLAXON_WEBHOOK_SECRET is not set and no embedded stack secret was found under .data/');
  const body = JSON.stringify({
    title: values.title ?? 'Test alert: customer records visible across tenants',
    severity: values.severity ?? 'SEV2',
    tenant: values.tenant ?? 'demo',
    dataCategories: ['personal-data'],
    ...(values['dedup-key'] ? { dedupKey: values['dedup-key'] } : {}),
    details: { route: '/api/customers', sentBy: 'klaxon alert test' },
    // Without --page, the API checks the alert, records it as a test and pages nobody.
    ...(values.page ? {} : { test: true }),
  });
  const url = `${env.KLAXON_API_URL}/v1/alerts/generic`;
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'klaxon-signature': klaxonSignatureHeader(secret, body, Math.floor(Date.now() / 1000)) },
    body,
  });
  const answer = (await res.json()) as Record<string, unknown>;
  if (res.status !== 202) throw new Error(`${url} answered ${res.status}: ${answer.error ?? JSON.stringify(answer)}`);
  if (values.page) return [answer, () => `Alert accepted: incident ${answer.incidentId}${answer.deduplicated ? ' (joined the open incident)' : ' (new)'}`];
  return [answer, () => renderTestProof(answer)];
}

run(process.argv.slice(2), cliEnvironment(process.env)).then(
  (out) => console.log(out),
  (err: Error) => {
    if (process.argv.includes('--json')) console.log(JSON.stringify({ error: err.message }));
    else console.error(`klaxon: ${err.message}`);
    process.exit(err instanceof UsageError ? 2 : 1);
  },
);

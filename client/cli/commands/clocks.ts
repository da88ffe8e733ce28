import { clockView } from '../../../core/regulation/clock-view';
import { draftMarkdown, notificationDraft } from '../../../core/regulation/drafts';
import type { Art34Exception } from '../../../core/regulation/legal-clocks';
import { OBLIGATIONS, obligationById, RECORDABLE_TRIGGERS } from '../../../core/regulation/regimes';
import { formatInstant } from '../../../core/shared/time-format';
import { computeRegimeClock, renderClock, renderIncidentClocks, renderRegimes, triggerEvent } from '../clocks';
import { AS_OPTION, defineCommand, quoted, REASON_OPTION, TZ_OPTION, UsageError } from '../command';

const REGIME_OPTION = { type: 'string', value: '<regime>', required: true, help: 'the obligation, by id (klaxon clocks regimes lists them)' } as const;
const started = (starts: string[]): string => (starts.length ? ` Clocks started: ${starts.join(', ')}.` : '');

const show = defineCommand({
  name: 'clocks',
  args: ['<id>'],
  summary: "an incident's legal clocks and their deadlines",
  details: "Triggers, decisions, changes, and each deadline and reminder in UTC, the authority's zone and yours.",
  options: { tz: TZ_OPTION },
  async run({ args: [id] }, cli) {
    const view = await cli.read(
      async (api) => (await api.incident(id, cli.zone())).clocks,
      () => cli.withTemporal(({ incidents }) => incidents.clocks(id, cli.zone())),
    );
    return cli.print(view, () => renderIncidentClocks(view));
  },
});

const trigger = defineCommand({
  name: 'clocks trigger',
  args: ['<id>'],
  summary: 'record what starts clocks (aware, discovered…)',
  details: 'Never in the future; more than five minutes in the past only with --reason. Starts the clock of every obligation the incident calls for.',
  options: {
    event: { type: 'string', value: '<event>', required: true, help: `what happened: ${RECORDABLE_TRIGGERS.join(', ')}` },
    as: AS_OPTION,
    at: { type: 'string', value: '<time>', help: 'when it happened (default: now)' },
    reason: { type: 'string', value: '<text>', help: 'why it is recorded late' },
    tz: TZ_OPTION,
  },
  async run({ values, args: [id] }, cli) {
    // Checked before anything connects: an unknown event must never reach the append-only ledger.
    const event = triggerEvent(values.event);
    const r = await cli.change('trigger', id, { event, at: values.at, reason: values.reason }, values.as);
    return cli.print(r, () => `${id}: "${r.event}" recorded at ${formatInstant(r.at, cli.zone())}; clocks started: ${r.starts.join(', ') || 'none apply'}.`);
  },
});

const file = defineCommand({
  name: 'clocks file',
  args: ['<id>'],
  summary: 'record a filing: its clock stops',
  details: 'A late filing needs --reasons where the regime requires them; with --outstanding items it is a phase, and a follow-up is owed.',
  options: {
    regime: REGIME_OPTION,
    reference: { type: 'string', value: '<ref>', required: true, help: "the authority's reference for the filing" },
    as: AS_OPTION,
    'filed-at': { type: 'string', value: '<time>', help: 'when it was filed (default: now)' },
    reasons: { type: 'string', value: '<text>', help: 'the reasons for the delay, when late' },
    attach: { type: 'string', multiple: true, value: '<name>', help: 'a document filed with it' },
    outstanding: { type: 'string', multiple: true, value: '<item>', help: 'an item still to be given in a follow-up' },
  },
  async run({ values, args: [id] }, cli) {
    const r = await cli.change('file', id, { obligation: values.regime, reference: values.reference, filedAt: values['filed-at'], reasonsForDelay: values.reasons, attachments: values.attach,
        outstanding: values.outstanding },
      values.as,
    );
    const owed = r.outstanding.length ? ` A follow-up is owed for: ${r.outstanding.join('; ')}.` : '';
    return cli.print(r, () => `${id}: ${r.obligation} filed${r.late ? ' (late)' : ''}.${owed}${started(r.starts)}`);
  },
});

const obligations = defineCommand({
  name: 'clocks obligations',
  args: ['<id>'],
  summary: 'change which obligations apply, with the reason',
  details: 'A removed running clock is withdrawn; an added one starts when its trigger is recorded.',
  options: {
    add: { type: 'string', multiple: true, value: '<regime>', help: 'an obligation to add' },
    remove: { type: 'string', multiple: true, value: '<regime>', help: 'an obligation to remove' },
    reason: REASON_OPTION,
    as: AS_OPTION,
  },
  async run({ values, args: [id] }, cli) {
    const r = await cli.change('obligations', id, { add: values.add, remove: values.remove, reason: values.reason }, values.as);
    return cli.print(r, () => `${id}: obligations now ${r.obligations.join(', ') || 'none'}.${started(r.starts)}`);
  },
});

const EXCEPTIONS: Art34Exception[] = ['unintelligible', 'risk-no-longer-likely', 'public-communication'];

const risk = defineCommand({
  name: 'clocks risk',
  args: ['<id>'],
  summary: 'the Art. 34 decision: high risk or not, with reasons',
  details: 'High risk starts the communication clock; an Art. 34(3) exception withdraws it (unintelligible, risk-no-longer-likely) or owes it to the public (public-communication).',
  options: {
    'high-risk': { type: 'string', value: 'yes|no', required: true, help: 'whether the breach is likely to result in a high risk' },
    exception: { type: 'string', value: EXCEPTIONS.join('|'), help: 'the Art. 34(3) exception that applies' },
    reasons: { type: 'string', value: '<text>', required: true, help: 'why, recorded in the ledger' },
    as: AS_OPTION,
    at: { type: 'string', value: '<time>', help: 'when it was determined (default: now)' },
  },
  async run({ values, args: [id] }, cli) {
    if (!['yes', 'no'].includes(values['high-risk'])) throw new UsageError(`--high-risk ${quoted(values['high-risk'])} is neither yes nor no`);
    const r = await cli.change('riskDecision', id, { highRisk: values['high-risk'] === 'yes', exception: values.exception as Art34Exception | undefined, reasons: values.reasons, at: values.at },
      values.as,
    );
    return cli.print(r, () => `${id}: ${r.highRisk ? 'high risk' : 'not high risk'}; Art. 34 communication: ${r.art34}.${started(r.starts)}`);
  },
});

const draft = defineCommand({
  name: 'clocks draft',
  args: ['<id>'],
  summary: 'the notification draft, unknowns marked',
  details: 'The draft in Markdown: every item the regime requires, filled from the incident where Klaxon knows it, marked where a person must write it.',
  options: { regime: REGIME_OPTION },
  async run({ values, args: [id] }, cli) {
    const obligation = obligationById(values.regime);
    const state = await cli.withTemporal(({ incidents }) => incidents.state(id));
    // The DPO's contact comes from the policy the incident pinned, as the policy file names it.
    const policy = cli.config().policies.policies.find((p) => p.name === state.policyName);
    const text = notificationDraft(obligation, state, policy, new Date().toISOString());
    return cli.print(text, () => draftMarkdown(text));
  },
});

const regimes = defineCommand({
  name: 'clocks regimes',
  summary: 'the notification obligations Klaxon keeps, with sources',
  options: {},
  async run(_, cli) {
    return cli.print(OBLIGATIONS, renderRegimes);
  },
});

const compute = defineCommand({
  name: 'clocks compute',
  summary: "a regime's deadline and reminders from a trigger",
  details: "As an incident's clock would compute them; no incident and no running Klaxon needed.",
  options: {
    regime: REGIME_OPTION,
    trigger: { type: 'string', value: '<time with offset>', required: true, help: 'when the clock starts, e.g. 2026-03-27T14:00+01:00' },
    aware: { type: 'string', value: '<time>', help: 'when the organisation became aware, for regimes limited by it' },
    jurisdiction: { type: 'string', value: '<code>', help: 'whose public holidays a business-day clock skips' },
    tz: TZ_OPTION,
  },
  async run({ values }, cli) {
    const clock = computeRegimeClock(values.regime, values.trigger, { aware: values.aware, jurisdiction: values.jurisdiction });
    return cli.print(clock, () => renderClock(clockView(clock, cli.zone()), cli.zone()));
  },
});

export const clocksCommands = [show, trigger, file, obligations, risk, draft, regimes, compute];

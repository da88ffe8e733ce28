import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { z } from 'zod';
import { describeIssues } from '../../../core/alerts/alert';
import type { ReviewAction, ReviewState } from '../../../core/reviews/review';
import { findingsSchema, newActionSchema } from '../../../core/reviews/review-input';
import { formatInstant } from '../../../core/shared/time-format';
import { Reviews } from '../../reviews';
import { AS_OPTION, defineCommand, TZ_OPTION, UsageError } from '../command';
import type { CliContext } from '../context';

/** What the CLI sends is checked as the API checks it (core/reviews/review-input.ts), so both ways refuse alike and early. */
function checked<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new UsageError(`${what}: ${describeIssues(parsed.error).join('; ')}`);
  return parsed.data;
}

const when = (cli: CliContext, iso: string | undefined) => (iso ? formatInstant(iso, cli.zone()) : '—');

function describeReview(r: ReviewState, cli: CliContext): string {
  const f = r.findings;
  const rec = r.record;
  const fig = (v: number | undefined) => (v === undefined ? 'n/a' : `${v} min`);
  return [
    `Review of ${r.incidentId} (${r.tenant}${r.drill ? ', DRILL' : ''}): ${r.status}`,
    `  owner ${r.owner}, due ${when(cli, r.dueAt)}${r.reminders ? `, ${r.reminders} reminder(s) sent` : ''}`,
    `  record: acknowledged ${fig(rec.minutesToAcknowledge)}, contained ${fig(rec.minutesToContain)}, notified ${fig(rec.minutesToNotify)}; ${rec.escalations} escalation(s), ${rec.failovers} failover(s)`,
    ...rec.clocks.map((c) => `  clock ${c.obligation}: due ${when(cli, c.dueAt)}, ${c.filedAt ? `filed ${when(cli, c.filedAt)} (${c.met ? 'met' : 'missed'})` : c.status}`),
    ...rec.containment.map((c) => `  containment ${c.action} ${c.kind}: ${c.status}`),
    ...(f
      ? [
          `  submitted by ${r.submittedBy} at ${when(cli, r.submittedAt)}`,
          `  summary: ${f.summary}`,
          `  root cause: ${f.rootCause}`,
          ...(['contributingFactors', 'wentWell', 'wentBadly'] as const).flatMap((k) => f[k].map((item) => `  ${k}: ${item}`)),
        ]
      : ['  not submitted yet']),
    ...r.actions.map((a) => `  action ${describeAction(a, cli)}`),
  ].join('\n');
}

const describeAction = (a: ReviewAction, cli: CliContext) =>
  `#${a.n} [${a.status}${a.overdueAt && a.status === 'open' ? ', OVERDUE' : ''}] ${a.title} — ${a.owner}, due ${when(cli, a.dueAt)}${a.doneAt ? `, done ${when(cli, a.doneAt)} by ${a.doneBy}` : ''}`;

const show = defineCommand({
  name: 'review show',
  args: ['<incident>'],
  summary: "a resolved incident's post-incident review: record, findings, actions",
  options: { tz: TZ_OPTION },
  async run({ args: [id] }, cli) {
    const review = await cli.read(
      (api) => api.review(id),
      () => cli.withTemporal(({ client }) => new Reviews(client).show(id)),
    );
    return cli.print(review, () => describeReview(review, cli));
  },
});

const submit = defineCommand({
  name: 'review submit',
  args: ['<incident>'],
  summary: 'submit the review (its owner or an incident commander)',
  details:
    'The findings come from --file (YAML or JSON: summary, rootCause, contributingFactors, wentWell, wentBadly) or from the flags. Only the review\'s owner or a responder with the incident-commander role may submit; a second submission replaces the findings (both are in the ledger). Add follow-up actions first (`klaxon review action add`): a review submitted with none open is complete and has ended.',
  options: {
    file: { type: 'string', value: '<review.yaml>', help: 'the findings as a file' },
    summary: { type: 'string', value: '<text>', help: 'what happened, in short' },
    'root-cause': { type: 'string', value: '<text>', help: 'why it happened' },
    factor: { type: 'string', multiple: true, value: '<text>', help: 'a contributing factor (repeat)' },
    'went-well': { type: 'string', multiple: true, value: '<text>', help: 'what went well (repeat)' },
    'went-badly': { type: 'string', multiple: true, value: '<text>', help: 'what went badly (repeat)' },
    as: AS_OPTION,
  },
  async run({ values, args: [id] }, cli) {
    const fromFlags = {
      ...(values.summary !== undefined ? { summary: values.summary } : {}),
      ...(values['root-cause'] !== undefined ? { rootCause: values['root-cause'] } : {}),
      ...(values.factor ? { contributingFactors: values.factor } : {}),
      ...(values['went-well'] ? { wentWell: values['went-well'] } : {}),
      ...(values['went-badly'] ? { wentBadly: values['went-badly'] } : {}),
    };
    let fromFile: object = {};
    if (values.file) {
      try {
        fromFile = (parse(readFileSync(values.file, 'utf8'), { maxAliasCount: 10 }) as object | null) ?? {};
      } catch (err) {
        throw new UsageError(`--file ${values.file}: ${(err as Error).message.split('\n')[0]}`);
      }
    }
    const findings = checked(findingsSchema, { ...fromFile, ...fromFlags }, values.file ? `the review in ${values.file}` : 'the review');
    const r = await cli.acting(
      values.as,
      (api) => api.submitReview(id, findings),
      ({ client }, by) => new Reviews(client).submit(id, by, findings),
    );
    return cli.print(r, () => `${id}: review submitted by ${r.submittedBy}; it is ${r.status}.`);
  },
});

const addAction = defineCommand({
  name: 'review action add',
  args: ['<incident>'],
  summary: 'add a follow-up action, with its owner and due date',
  options: {
    title: { type: 'string', value: '<text>', required: true, help: 'what is to be done' },
    owner: { type: 'string', value: '<responder>', required: true, help: "who does it (a responder of the incident's policy)" },
    due: { type: 'string', value: '<date|instant>', required: true, help: 'when it is due: 2027-01-15 (end of that day, UTC) or an instant with its offset' },
    as: AS_OPTION,
  },
  async run({ values, args: [id] }, cli) {
    const action = checked(newActionSchema, { title: values.title, owner: values.owner, dueAt: values.due }, 'the action');
    const a = await cli.acting(
      values.as,
      (api) => api.reviewAction(id, undefined, action),
      ({ client }, by) => new Reviews(client).addAction(id, by, action),
    );
    return cli.print(a, () => `${id}: action ${describeAction(a, cli)}`);
  },
});

const doneAction = defineCommand({
  name: 'review action done',
  args: ['<incident>', '<n>'],
  summary: 'mark a follow-up action done',
  options: { as: AS_OPTION },
  async run({ values, args: [id, raw] }, cli) {
    if (!/^[1-9]\d{0,2}$/.test(raw)) throw new UsageError(`"${raw}" is not an action number (1, 2, 3…)`);
    const n = Number(raw);
    const a = await cli.acting(
      values.as,
      (api) => api.reviewAction(id, n, { done: true }),
      ({ client }, by) => new Reviews(client).completeAction(id, by, n),
    );
    return cli.print(a, () => `${id}: action ${describeAction(a, cli)}`);
  },
});

const list = defineCommand({
  name: 'reviews',
  summary: 'open post-incident reviews: owed, late, or with actions to do',
  options: {
    late: { type: 'boolean', help: 'only reviews past their due date' },
    overdue: { type: 'boolean', help: 'only reviews with a follow-up action past its due date' },
    tz: TZ_OPTION,
  },
  async run({ values }, cli) {
    const filter = { late: values.late === true, overdue: values.overdue === true };
    const now = new Date();
    const rows = await cli.read(
      (api) => api.reviews(filter),
      () => cli.withTemporal(({ client }) => new Reviews(client).list({ late: filter.late, ...(filter.overdue ? { overdueActionsAt: now } : {}) })),
    );
    return cli.print(rows, () =>
      rows.length
        ? rows.map((r) => `${r.incidentId}  ${r.status.padEnd(9)} ${r.tenant ?? ''}${r.nearestActionDue ? `  next action due ${when(cli, r.nearestActionDue)}` : ''}`).join('\n')
        : 'No open review matches.',
    );
  },
});

export const reviewsCommands = [show, submit, addAction, doneAction, list];

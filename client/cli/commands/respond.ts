import { formatInstant } from '../../../core/shared/time-format';
import { AS_OPTION, defineCommand, quoted, REASON_OPTION, TZ_OPTION, UsageError } from '../command';

// A responder's actions on one incident, each an Update of its workflow (client/incidents.ts).

const ack = defineCommand({
  name: 'ack',
  args: ['<id>'],
  summary: 'acknowledge: the paging stops',
  options: { as: AS_OPTION },
  async run({ values, args: [id] }, cli) {
    const r = await cli.change('acknowledge', id, {}, values.as);
    return cli.print(r, () => (r.alreadyDone ? `${id} was already acknowledged by ${r.acknowledgedBy}.` : `${id} acknowledged by ${r.acknowledgedBy}.`));
  },
});

const resolve = defineCommand({
  name: 'resolve',
  args: ['<id>'],
  summary: 'resolve (legal clocks keep it open until filed)',
  details: 'Resolve the incident; its legal clocks keep it open in Temporal until they are filed.',
  options: { as: AS_OPTION, note: { type: 'string', value: '<text>', help: 'what was done, recorded in the ledger' } },
  async run({ values, args: [id] }, cli) {
    const r = await cli.change('resolve', id, { note: values.note }, values.as);
    return cli.print(r, () => (r.alreadyDone ? `${id} was already resolved by ${r.resolvedBy}.` : `${id} resolved by ${r.resolvedBy}.`));
  },
});

const escalate = defineCommand({
  name: 'escalate',
  args: ['<id>'],
  summary: 'page the next level now',
  options: { as: AS_OPTION },
  async run({ values, args: [id] }, cli) {
    const r = await cli.change('escalate', id, {}, values.as);
    return cli.print(r, () => `${id}: escalating past level ${r.fromLevel} now.`);
  },
});

const snooze = defineCommand({
  name: 'snooze',
  args: ['<id>'],
  summary: 'pause the paging; the level is paged again after',
  options: { as: AS_OPTION, minutes: { type: 'string', value: '<N>', required: true, help: 'for how many whole minutes' }, tz: TZ_OPTION },
  async run({ values, args: [id] }, cli) {
    const minutes = Number(values.minutes);
    if (!Number.isInteger(minutes)) throw new UsageError(`--minutes ${quoted(values.minutes)} is not a whole number of minutes`);
    const r = await cli.change('snooze', id, { minutes }, values.as);
    return cli.print(r, () => `${id} snoozed until ${formatInstant(r.snoozedUntil, cli.zone())}; the level is paged again then.`);
  },
});

const reassign = defineCommand({
  name: 'reassign',
  args: ['<id>'],
  summary: 'page that responder now; the ladder goes on from them',
  options: { as: AS_OPTION, to: { type: 'string', value: '<responder>', required: true, help: 'who is paged now' } },
  async run({ values, args: [id] }, cli) {
    const r = await cli.change('reassign', id, { to: values.to }, values.as);
    return cli.print(r, () => `${id} reassigned to ${r.assignedTo}, who is paged now.`);
  },
});

const repin = defineCommand({
  name: 'repin',
  args: ['<id>'],
  summary: "pin the policy file's current version to the incident",
  details: "Both hashes, the old policy's and the new one's, are recorded in the ledger.",
  options: { as: AS_OPTION, policy: { type: 'string', value: '<name>', help: 'pin this policy of the file (default: the one the incident follows)' } },
  async run({ values, args: [id] }, cli) {
    // Under a token the API pins its own copy of the named policy; on the embedded stack, the file's.
    const name = values.policy ?? (cli.api() ? undefined : await cli.withTemporal(async ({ incidents }) => (await incidents.state(id)).policyName));
    if (name === undefined) throw new UsageError('name the policy to pin with --policy (under a personal token the CLI does not read the incident)');
    const r = await cli.change('repin', id, { policy: name }, values.as);
    return cli.print(r, () => `${id} now follows policy "${r.policy}" (sha256 ${r.policyHash}).`);
  },
});

const falsePositive = defineCommand({
  name: 'false-positive',
  args: ['<id>'],
  summary: 'resolve as a false positive: containment rolled back',
  options: { reason: REASON_OPTION, as: AS_OPTION },
  async run({ values, args: [id] }, cli) {
    const r = await cli.change('falsePositive', id, { reason: values.reason }, values.as);
    return cli.print(r, () => `${id} resolved as a false positive by ${r.resolvedBy}; its containment is rolled back.`);
  },
});

export const respondCommands = [ack, resolve, escalate, snooze, reassign, repin, falsePositive];

import { readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { MAX_SCENARIO_BYTES } from '../../../core/drills/scenario';
import { DrillSchedules, type DrillScheduleView } from '../../drill-schedules';
import { defineCommand, quoted, UsageError } from '../command';
import type { CliContext } from '../context';

/** The drill schedules over the CLI's own Temporal client: the embedded stack's way, or an operator's. */
const withSchedules = <T>(cli: CliContext, use: (schedules: DrillSchedules) => Promise<T>): Promise<T> =>
  cli.withTemporal(({ client }) => use(new DrillSchedules(client, cli.config().temporal.taskQueue)));

/** Under a token bound to no responder, schedules are made in the token's name; on the embedded stack, in the operator's. */
const OPERATOR = 'cli';

function describe(s: DrillScheduleView): string {
  const when = `${s.cron}${s.timeZone ? ` (${s.timeZone})` : ' (UTC)'}`;
  return `${s.name}: scenario ${s.scenario} for ${s.tenant} under policy ${s.policy}, cron ${when}${s.paused ? `, PAUSED${s.note ? ` (${s.note})` : ''}` : ''}; next ${s.nextRuns[0] ?? 'none'}${s.recentRuns.length ? `; last ran ${s.recentRuns.at(-1)}` : ''}`;
}

function readScenario(file: string): string {
  const size = statSync(file).size;
  if (size > MAX_SCENARIO_BYTES) throw new UsageError(`${file} is ${size} bytes; a scenario is at most ${MAX_SCENARIO_BYTES}`);
  return readFileSync(file, 'utf8');
}

const schedule = defineCommand({
  name: 'drill schedule',
  summary: 'run a drill on a Temporal Schedule (cron), so quarterly testing happens without anyone remembering it',
  details: 'The scenario is checked now (file, line, field) and again each time the schedule fires; the drill starts as "schedule:drill-schedule-<name>". Example: --cron "0 10 1 */3 *" runs at 10:00 on the first day of every third month.',
  options: {
    policy: { type: 'string', value: '<name>', required: true, help: 'the policy the drill runs under' },
    cron: { type: 'string', value: '"<m h dom mon dow>"', required: true, help: 'five cron fields' },
    scenario: { type: 'string', value: '<file>', required: true, help: 'the scenario YAML (examples/drills/)' },
    name: { type: 'string', value: '<name>', help: "the schedule's name (default: the scenario's)" },
    'time-zone': { type: 'string', value: '<zone>', help: 'the IANA zone the cron is read in (default UTC)' },
  },
  async run({ values }, cli) {
    const req = {
      ...(values.name ? { name: values.name } : {}),
      policy: values.policy,
      cron: values.cron,
      ...(values['time-zone'] ? { timeZone: values['time-zone'] } : {}),
      scenario: readScenario(values.scenario),
      scenarioFile: basename(values.scenario),
    };
    const made = await cli.read(
      (api) => api.createDrillSchedule(req),
      () => withSchedules(cli, (s) => s.create(req, cli.config().policies, { name: OPERATOR })),
    );
    return cli.print(made, () => `scheduled ${describe(made)}`);
  },
});

const list = defineCommand({
  name: 'drill schedules',
  summary: 'the drill schedules, with their next run',
  options: {},
  async run(_input, cli) {
    const all = await cli.read(
      (api) => api.drillSchedules(),
      () => withSchedules(cli, (s) => s.list()),
    );
    return cli.print(all, () => (all.length ? all.map(describe).join('\n') : 'no drill schedule (klaxon drill schedule makes one)'));
  },
});

const change = (name: 'pause' | 'unpause' | 'delete', summary: string) =>
  defineCommand({
    name: `drill ${name}`,
    args: ['<name>'],
    summary,
    options: {},
    async run({ args: [scheduleName] }, cli) {
      if (!scheduleName.trim()) throw new UsageError(`klaxon drill ${name} needs a schedule's name, not ${quoted(scheduleName)}`);
      type Done = DrillScheduleView | { deleted: string };
      const done = await cli.read<Done>(
        (api) => api.changeDrillSchedule(scheduleName, name),
        () => withSchedules<Done>(cli, (s) => (name === 'delete' ? s.delete(scheduleName) : s[name](scheduleName, undefined, OPERATOR))),
      );
      return cli.print(done, () => ('deleted' in done ? `deleted drill schedule ${done.deleted}` : describe(done)));
    },
  });

export const drillScheduleCommands = [schedule, list, change('pause', 'pause a drill schedule'), change('unpause', 'let a paused drill schedule run again'), change('delete', 'delete a drill schedule')];

import { readFileSync } from 'node:fs';
import { DEFAULT_SCENARIO, DEFAULT_SCENARIO_FILE } from '../../../core/drills/default-scenario';
import { MAX_SCENARIO_BYTES, parseScenario } from '../../../core/drills/scenario';
import { startDrill } from '../../drills';
import { AS_OPTION, defineCommand, quoted, UsageError } from '../command';
import { renderList } from '../render';

/** The scenario file's text, bounded before it is read whole. */
function scenarioText(file: string | undefined): { text: string; file: string } {
  if (file === undefined) return { text: DEFAULT_SCENARIO, file: DEFAULT_SCENARIO_FILE };
  try {
    const text = readFileSync(file, 'utf8');
    if (Buffer.byteLength(text) > MAX_SCENARIO_BYTES) throw new UsageError(`--scenario ${quoted(file)} is larger than ${MAX_SCENARIO_BYTES / 1024} KiB`);
    return { text, file };
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`--scenario ${quoted(file)} cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

const start = defineCommand({
  name: 'drill start',
  summary: 'start a drill: the real ladder, every message marked DRILL',
  details:
    'Runs the incident workflow as a drill (workflow type `drill`): the ladder pages real people on real channels, every message marked DRILL, containment only planned (or run against the scenario\'s sandbox tenant), legal clocks on the scenario\'s timeline. Acknowledge it like an incident: klaxon ack <drill id>. Without --scenario, a drill of one alert on the tenant klaxon-drill. examples/drills/ has scenarios.',
  json: '{ drillId, policy }',
  options: {
    policy: { type: 'string', value: '<name>', required: true, help: 'the policy whose ladder is drilled' },
    scenario: { type: 'string', value: '<file>', help: 'the scenario (YAML); default: one alert, no inject' },
    as: AS_OPTION,
  },
  async run({ values }, cli) {
    const { text, file } = scenarioText(values.scenario);
    // Checked here too, so a bad file is named with its line before anything is sent.
    const scenario = parseScenario(text, file);
    const started = await (async () => {
      // Under a personal token, through the API as its responder; on the embedded stack, straight to Temporal as --as.
      const api = cli.api();
      if (api) {
        if (values.as !== undefined) throw new UsageError('--as is for the embedded stack: under a personal token you act as its responder');
        return api.startDrill(values.policy, text);
      }
      if (values.as === undefined) throw new UsageError('who starts it? --as <responder> (or KLAXON_AS) on the embedded stack, or a personal token: klaxon login, or KLAXON_TOKEN');
      const [book, startedBy] = [cli.config().policies, values.as];
      return cli.withTemporal(({ incidents }) => startDrill({ incidents, book }, { policy: values.policy, scenario, startedBy }));
    })();
    return cli.print(started, () => `drill ${started.drillId} started (policy ${started.policy}, scenario ${scenario.name}).\nAcknowledge it like an incident: klaxon ack ${started.drillId}`);
  },
});

const list = defineCommand({
  name: 'drill list',
  summary: 'drills, newest first (never in incident lists)',
  options: {},
  async run(_, cli) {
    const rows = await cli.read(
      (api) => api.drills(),
      () => cli.withTemporal(({ incidents }) => incidents.list({ drills: true })),
    );
    return cli.print(rows, () => renderList(rows, cli.zone(), 'drill'));
  },
});

export const drillCommands = [start, list];

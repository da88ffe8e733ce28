import { parseArgs } from 'node:util';
import { COMMON_OPTIONS, commandHelp, quoted, SetupError, synopsis, UsageError, type Command, type Options } from './command';
import { alertCommands } from './commands/alert';
import { auditCommands } from './commands/audit';
import { clocksCommands } from './commands/clocks';
import { containmentCommands } from './commands/containment';
import { drillCommands } from './commands/drills';
import { evidenceCommands } from './commands/evidence';
import { incidentsCommands } from './commands/incidents';
import { loginCommands } from './commands/login';
import { policyCommands } from './commands/policy';
import { coverageCommands } from './commands/coverage';
import { respondCommands } from './commands/respond';
import { reviewsCommands } from './commands/reviews';
import { onCallCommands } from './commands/oncall';
import { maintenanceCommands } from './commands/maintenance';
import { tokensCommands } from './commands/tokens';
import { drillReportCommands } from './commands/drill-reports';
import { drillScheduleCommands } from './commands/drill-schedules';
import { CliContext } from './context';

/** Every command, in the order the overview lists them. */
export const COMMANDS: Command[] = [
  ...incidentsCommands,
  ...respondCommands,
  ...alertCommands,
  ...policyCommands,
  ...coverageCommands,
  ...clocksCommands,
  ...containmentCommands,
  ...drillCommands,
  ...drillReportCommands,
  ...drillScheduleCommands,
  ...reviewsCommands,
  ...onCallCommands,
  ...maintenanceCommands,
  ...auditCommands,
  ...evidenceCommands,
  ...tokensCommands,
  ...loginCommands,
];

const OVERVIEW = `klaxon — escalation orchestrator for data-leak incidents

Usage: klaxon <command> [<arguments>] [options]

${COMMANDS.map((c) => `  ${[c.name, ...(c.args ?? [])].join(' ').padEnd(34)} ${c.summary}`).join('\n')}

\`klaxon <command> --help\` shows a command's options. Every command takes --json (errors too).
Times are shown in --tz, else TZ, else the system's zone. --as defaults to $KLAXON_AS.
Connection settings come from the environment (TEMPORAL_ADDRESS, DATABASE_URL, KLAXON_API_URL,
KLAXON_WEBHOOK_SECRET) or, while \`npm start\` runs, from .data/stack.json. Under a personal token
(klaxon login, or KLAXON_TOKEN) changes go through the API as the token's responder.`;

/**
 * Finds the command the first words name (the longest match: `clocks regimes` before `clocks
 * <id>`), parses the rest with that command's own options, and runs it; returns what to print.
 */
export async function runCli(argv: string[], env: NodeJS.ProcessEnv): Promise<string> {
  const { words, rest } = splitCommandWords(argv);
  // `klaxon help incidents list`, as newcomers type it.
  if (words[0] === 'help') return runCli([...words.slice(1), '--help'], env);
  const command = COMMANDS.filter((c) => c.name.split(' ').every((w, i) => words[i] === w)).sort((a, b) => b.name.length - a.name.length)[0];
  const asksHelp = rest.includes('--help') || rest.includes('-h');
  if (!command) {
    if (words.length === 0 && (asksHelp || rest.length === 0)) return OVERVIEW;
    const group = COMMANDS.filter((c) => c.name.split(' ')[0] === words[0]);
    const known = `the commands: ${[...new Set(COMMANDS.map((c) => c.name.split(' ')[0]))].join(', ')} (klaxon --help says what each does)`;
    if (group.length === 0) throw new UsageError(`${words.length ? `unknown command ${quoted(words[0])}` : 'give a command first'}; ${known}`);
    const listing = `klaxon ${words[0]} commands:\n${group.map((c) => `  ${synopsis(c)}`).join('\n')}`;
    if (asksHelp && words.length === 1) return listing;
    throw new UsageError(`${words.length > 1 ? `unknown command ${quoted(words.slice(0, 2).join(' '))}` : `${quoted(`klaxon ${words[0]}`)} needs a command`}\n\n${listing}`);
  }
  const args = words.slice(command.name.split(' ').length);
  try {
    const values = parseCommandOptions(command, rest);
    if (values.help) return helpOf(command);
    const expected = command.args ?? [];
    const missing = expected.slice(args.length).filter((a) => !a.startsWith('['));
    if (missing.length) throw new UsageError(`klaxon ${command.name} needs ${missing.join(' ')}`);
    if (args.length > expected.length) throw new UsageError(`klaxon ${command.name} takes ${expected.length ? expected.join(' ') : 'no argument'}; ${quoted(args[expected.length])} is one too many`);
    for (const [name, o] of Object.entries(command.options)) {
      if (values[name] === undefined && o.env && env[o.env]) values[name] = env[o.env];
      if (values[name] === undefined && o.required) throw new UsageError(`klaxon ${command.name} needs --${name}${o.value ? ` ${o.value}` : ''}${o.env ? ` (or ${o.env} in the environment)` : ''}`);
    }
    const cli = new CliContext(env, values.json === true, values.tz as string | undefined);
    return await command.run({ values: values as never, args }, cli);
  } catch (err) {
    if (err instanceof UsageError && !(err instanceof SetupError)) throw new UsageError(`${err.message}\nusage: ${synopsis(command)}\n(klaxon ${command.name} --help explains each option)`);
    throw err;
  }
}

/**
 * Every option any command takes, for finding the command words: a value like `--tz Europe/Berlin`'s
 * is not a word (so an option name has one type across commands; a unit test checks it).
 */
const ALL_OPTIONS = Object.fromEntries(COMMANDS.flatMap((c) => Object.entries({ ...c.options, ...COMMON_OPTIONS }).map(([name, o]) => [name, { type: o.type, ...(o.short ? { short: o.short } : {}) }])));

/** The positional words that name the command (and its arguments), and the other arguments as given. */
function splitCommandWords(argv: string[]): { words: string[]; rest: string[] } {
  const { tokens } = parseArgs({ args: argv, options: ALL_OPTIONS, allowPositionals: true, strict: false, tokens: true });
  const wordAt = new Set(tokens.filter((t) => t.kind === 'positional').map((t) => t.index));
  // After `--`, everything is an argument, never an option.
  const terminator = tokens.find((t) => t.kind === 'option-terminator');
  return { words: argv.filter((_, i) => wordAt.has(i)), rest: argv.filter((_, i) => !wordAt.has(i) && i !== terminator?.index) };
}

/** Parses the command's own options (and --json, --help): any other is an error that names it. */
function parseCommandOptions(command: Command, rest: string[]): Record<string, unknown> {
  const options: Options = { ...command.options, ...COMMON_OPTIONS };
  const config = Object.fromEntries(Object.entries(options).map(([name, o]) => [name, { type: o.type, multiple: o.multiple ?? false, ...(o.short ? { short: o.short } : {}) }]));
  try {
    return parseArgs({ args: rest, options: config, allowPositionals: false, strict: true }).values;
  } catch (err) {
    const code = (err as { code?: string }).code;
    const flag = /'(-[^' ]+)/.exec((err as Error).message)?.[1] ?? '';
    const name = flag.replace(/^-+/, '');
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      const elsewhere = COMMANDS.filter((c) => name in c.options).map((c) => `klaxon ${c.name}`);
      throw new UsageError(`klaxon ${command.name} does not take ${/^-{1,2}[\w.-]+$/.test(flag) ? flag : quoted(flag)}${elsewhere.length && elsewhere.length < 5 ? ` (${elsewhere.join(', ')} does)` : ''}`);
    }
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      if (options[name]?.type === 'boolean') throw new UsageError(`--${name} takes no value`);
      const dash = (err as Error).message.includes('ambiguous') ? `; a value that starts with "-" is written --${name}=<value>` : '';
      throw new UsageError(`--${name} needs a value${options[name]?.value ? ` (${options[name].value})` : ''}${dash}`);
    }
    throw new UsageError((err as Error).message);
  }
}

/** A command's help, with the other commands of its group named. */
function helpOf(command: Command): string {
  const group = command.name.split(' ')[0];
  const siblings = COMMANDS.filter((c) => c !== command && c.name.split(' ')[0] === group).map((c) => `klaxon ${c.name}`);
  return `${commandHelp(command)}${siblings.length ? `\n\nSee also: ${siblings.join(', ')}` : ''}`;
}

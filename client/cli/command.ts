import { isInstantWithOffset } from '../../core/shared/time-format';
import type { CliContext } from './context';

// The CLI's errors live apart so that what commands run with (./context) can throw them too.
import { UsageError } from './errors';
export { SetupError, UsageError } from './errors';

/** One option of a command: its value's placeholder and help are what `--help` shows. */
export interface OptionSpec {
  type: 'string' | 'boolean';
  multiple?: boolean;
  short?: string;
  /** The value's placeholder in the usage, e.g. `<time>`. */
  value?: string;
  /** The command refuses to run without it (checked before anything connects). */
  required?: boolean;
  /** The environment variable that gives it when the option is left out. */
  env?: string;
  help: string;
}
export type Options = Record<string, OptionSpec>;

type ValueOf<S extends OptionSpec> = S['type'] extends 'boolean' ? boolean : S['multiple'] extends true ? string[] : string;
type RequiredKeys<O extends Options> = { [K in keyof O]: O[K]['required'] extends true ? K : never }[keyof O];
/** What parsing gives a command: its required options are there, the others may be. */
export type Values<O extends Options> = { [K in RequiredKeys<O>]: ValueOf<O[K]> } & { [K in Exclude<keyof O, RequiredKeys<O>>]?: ValueOf<O[K]> };

export interface Command<O extends Options = Options> {
  /** The words that call it: `incidents list`, `ack`, `clocks` (with an incident id). */
  name: string;
  /** Its arguments, in order: `<id>` must be given, `[<id>]` may be. */
  args?: string[];
  /** One line for the overview; the first line of its `--help`. */
  summary: string;
  /** What `--help` adds below the options: how it behaves, what it needs. */
  details?: string;
  /** What this command prints instead of text with `--json`, when it is not the same data. */
  json?: string;
  options: O;
  run(input: { values: Values<O>; args: string[] }, cli: CliContext): Promise<string>;
}

/** Keeps a command's option types, so `run` sees `values.regime` as a string and `values.all` as a boolean. */
export function defineCommand<const O extends Options>(command: Command<O>): Command {
  return command as unknown as Command;
}

/**
 * A value the caller typed, as a message quotes it: in double quotes, with quotes and control
 * characters escaped, so the quoting stays balanced and no escape sequence reaches the terminal.
 */
export const quoted = (text: string): string => JSON.stringify(text);

/** The instant a time option names; it needs an offset or Z, so that it means one instant whoever reads it. */
export function instantOption(flag: string, text: string): Date {
  if (!isInstantWithOffset(text)) throw new UsageError(`--${flag} ${quoted(text)} needs a date-time with an offset or Z (e.g. 2026-11-01T00:00Z)`);
  return new Date(text);
}

/** The options every command takes, whatever it does. */
export const COMMON_OPTIONS: Options = {
  json: { type: 'boolean', help: 'print JSON instead of text (errors too: {"error": …} on stdout)' },
  help: { type: 'boolean', short: 'h', help: 'this help' },
};

/** Options several commands share, defined once so they read alike everywhere. */
export const TZ_OPTION = { type: 'string', value: '<zone>', help: 'show times in this IANA zone (default: TZ, else the system zone)' } as const satisfies OptionSpec;
export const AS_OPTION = { type: 'string', value: '<responder>', env: 'KLAXON_AS', help: 'embedded stack: who acts, as the policy names them (default: $KLAXON_AS); under a personal token you act as its responder' } as const satisfies OptionSpec;
export const REASON_OPTION = { type: 'string', value: '<text>', required: true, help: 'why, recorded in the ledger' } as const satisfies OptionSpec;

const optionUsage = (name: string, o: OptionSpec): string => {
  const text = `--${name}${o.value ? ` ${o.value}` : o.type === 'string' ? ' <value>' : ''}`;
  return `${o.required ? text : `[${text}]`}${o.multiple ? '…' : ''}`;
};

/** Words joined into lines of at most `width` characters, the lines after the first indented by `indent`. */
export function wrap(words: string[], width = 100, indent = ''): string {
  const lines: string[] = [];
  for (const word of words) {
    const last = lines.at(-1);
    if (last !== undefined && last.length + 1 + word.length <= width) lines[lines.length - 1] = `${last} ${word}`;
    else lines.push(last === undefined ? word : `${indent}${word}`);
  }
  return lines.join('\n');
}

/** `klaxon incidents show <id> [--tz <zone>] [--json]`: the command as it is typed, wrapped. */
export function synopsis(command: Command): string {
  const options = Object.entries({ ...command.options, json: COMMON_OPTIONS.json }).map(([name, o]) => optionUsage(name, o));
  const head = `klaxon ${command.name}`;
  return wrap([head, ...(command.args ?? []), ...options], 100, ' '.repeat(head.length + 1));
}

/** What `klaxon <command> --help` prints: the synopsis, what it does, each option. */
export function commandHelp(command: Command): string {
  const options = Object.entries({ ...command.options, ...COMMON_OPTIONS }).map(([name, o]) => {
    const flag = `${o.short ? `-${o.short}, ` : ''}--${name}${o.value ? ` ${o.value}` : ''}${o.multiple ? '…' : ''}`;
    const help = name === 'json' && command.json ? `print JSON: ${command.json}` : o.help;
    const text = `${help}${o.env && !help.includes(o.env) ? ` (default: $${o.env})` : ''}`;
    return flag.length > 30 ? `  ${flag}\n${wrap([' '.repeat(32), ...text.split(' ')], 100, ' '.repeat(33))}` : wrap([`  ${flag.padEnd(30)}`, ...text.split(' ')], 100, ' '.repeat(33));
  });
  const summary = `${command.summary[0].toUpperCase()}${command.summary.slice(1)}.`;
  const details = command.details ? ['', wrap(command.details.split(' '))] : [];
  return [`Usage: ${synopsis(command)}`, '', summary, ...details, '', 'Options:', ...options].join('\n');
}

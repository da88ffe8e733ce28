import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../../client/cli/command';
import { COMMANDS, runCli } from '../../client/cli/dispatch';
import { removeStackFile, stackFilePath, writeStackFile } from '../../client/cli/stack-file';
import { freePort, klaxon } from '../support/processes';

/** The CLI as a newcomer meets it: per-command help, --json everywhere, usage errors that say what is wrong. */
const refusal = (args: string[], env: NodeJS.ProcessEnv = { KLAXON_DATA_DIR: '/nonexistent' }) => runCli(args, env).then(
  (out) => {
    throw new Error(`klaxon ${args.join(' ')} printed ${out}`);
  },
  (err: Error) => err,
);
/** Every opening quote closed (an escaped one, inside a quoted value, aside). */
const balanced = (text: string) => (text.replace(/\\"/g, '').match(/"/g) ?? []).length % 2 === 0 && (text.match(/`/g) ?? []).length % 2 === 0;

describe('the klaxon CLI', () => {
  it("prints a command's own usage for --help, and every command takes --json", async () => {
    for (const command of COMMANDS) {
      const help = await runCli([...command.name.split(' '), '--help'], {});
      expect(help).toMatch(new RegExp(`^Usage: klaxon ${command.name}\\b`));
      expect(help).toContain('[--json]');
      expect(help).toMatch(/^ {2}--json +print JSON/m);
      expect(help.split('\n').length).toBeLessThan(40);
      expect(balanced(help)).toBe(true);
      // --json is an option it takes, not a usage error.
      const withJson = await refusal([...command.name.split(' '), ...(command.args ?? []).filter((a) => !a.startsWith('[')).map(() => 'x'), '--json', '--bogus']);
      expect(withJson.message).toContain(`klaxon ${command.name} does not take --bogus`);
    }
    expect(await runCli(['--help'], {})).toContain('klaxon <command> --help');
    expect(await runCli(['help', 'clocks', 'risk'], {})).toMatch(/^Usage: klaxon clocks risk <id> --high-risk yes\|no\b/);
    expect(await runCli(['incidents', '--help'], {})).toMatch(/^klaxon incidents commands:\n {2}klaxon incidents list /);
  });

  it('gives each option name one type across commands (the dispatcher finds the command words with all of them)', () => {
    const types = new Map<string, Set<string>>();
    for (const c of COMMANDS) for (const [name, o] of Object.entries(c.options)) types.set(name, (types.get(name) ?? new Set()).add(o.type));
    expect([...types].filter(([, t]) => t.size > 1)).toEqual([]);
  });

  it('refuses an option the command does not take, naming it and the commands that do', async () => {
    const err = await refusal(['ack', 'inc-1', '--as', 'alice', '--regime', 'gdpr-art33']);
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toMatch(/^klaxon ack does not take --regime \(klaxon clocks file, klaxon clocks draft, klaxon clocks compute does\)\nusage: klaxon ack <id> \[--as <responder>\] \[--json\]/);
  });

  it('refuses --as under a personal token: the token says who acts', async () => {
    const err = await refusal(['ack', 'inc-1', '--as', 'alice'], { KLAXON_DATA_DIR: '/nonexistent', KLAXON_TOKEN: 'kx_0123456789abcdefghijklmn', KLAXON_API_URL: 'http://127.0.0.1:9' });
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toContain('--as is for the embedded stack: under a personal token you act as its responder');
  });

  it('says what is missing or extra, with the usage, in balanced quotes', async () => {
    const cases: Array<[string[], string]> = [
      [['ack'], 'klaxon ack needs <id>'],
      [['ack', 'inc-1'], 'who acts? --as <responder> (or KLAXON_AS) on the embedded stack, or a personal token: klaxon login, or KLAXON_TOKEN'],
      [['ack', 'inc-1', 'inc-2', '--as', 'a'], 'klaxon ack takes <id>; "inc-2" is one too many'],
      [['ack', 'inc-1', '--as'], '--as needs a value (<responder>)'],
      [['ack', 'inc-1', '--as', 'a', '--json=yes'], '--json takes no value'],
      [['clocks', 'risk', 'inc-1', '--high-risk', 'maybe', '--reasons', 'r', '--as', 'a'], '--high-risk "maybe" is neither yes nor no'],
      [['snooze', 'inc-1', '--as', 'a', '--minutes', 'ten'], '--minutes "ten" is not a whole number of minutes'],
      [['incidents', 'list', '--deadline-within', 'soon'], '--deadline-within "soon" is not a duration such as 90m, 24h or 3d'],
      [['evidence', 'export', '--since', '2026-11-01T00:00Z'], 'give an incident id, or a period with --since and --until'],
      [['incidents', 'bogus'], 'unknown command "incidents bogus"'],
      [['bogus'], 'unknown command "bogus"; the commands: incidents, ack,'],
      [['incidents'], '"klaxon incidents" needs a command'],
      [['tokens', 'create', '--name', 'x'], 'klaxon tokens create needs --scope'],
      // What the caller typed is quoted escaped: no quote left open, no escape sequence on the terminal.
      [['snooze', 'inc-1', '--as', 'a', '--minutes', 'a"\u001b[2J'], '--minutes "a\\"\\u001b[2J" is not a whole number'],
      [['ack', 'inc-1', '--as', 'a', '--\u001b[2J'], 'klaxon ack does not take "--\\u001b[2J"'],
    ];
    for (const [args, message] of cases) {
      const err = await refusal(args);
      expect(err).toBeInstanceOf(UsageError);
      expect(err.message).toContain(message);
      expect(err.message).not.toContain('\u001b');
      expect(balanced(err.message)).toBe(true);
    }
    expect(await runCli(['ack', 'inc-1', '--help'], {})).toMatch(/^Usage: klaxon ack <id> \[--as <responder>\] \[--json\]/);
  });

  it('exits 2 on a usage error, with the error as JSON on stdout under --json', async () => {
    const human = await klaxon(['incidents', 'list', '--bogus'], { ...process.env, KLAXON_DATA_DIR: '/nonexistent' }).catch((e: { code: number; stdout: string; stderr: string }) => e);
    expect(human).toMatchObject({ code: 2, stderr: expect.stringMatching(/^klaxon: klaxon incidents list does not take --bogus\nusage: klaxon incidents list /) });
    const json = await klaxon(['ack', '--json'], { ...process.env, KLAXON_DATA_DIR: '/nonexistent' }).catch((e: { code: number; stdout: string; stderr: string }) => e);
    expect(json).toMatchObject({ code: 2 });
    expect(JSON.parse((json as { stdout: string }).stdout).error).toMatch(/^klaxon ack needs <id>/);
  });

  it('says at once, with how to start it, which part of the stack it cannot reach', async () => {
    const port = await freePort();
    const env = {
      KLAXON_DATA_DIR: '/nonexistent',
      TEMPORAL_ADDRESS: `127.0.0.1:${port}`,
      DATABASE_URL: `postgres://klaxon:secret@127.0.0.1:${port}/ledger`,
      KLAXON_API_URL: `http://127.0.0.1:${port}`,
      KLAXON_WEBHOOK_SECRET: 'whsec_test',
      KLAXON_AS: 'alice',
    };
    const cases: Array<[string[], string]> = [
      [['incidents', 'list'], `cannot reach Temporal at 127.0.0.1:${port} (nothing listens there).\n`],
      [['ack', 'inc-1'], `cannot reach Temporal at 127.0.0.1:${port}`],
      [['clocks', 'inc-1'], `cannot reach Temporal at 127.0.0.1:${port}`],
      [['alert', 'test'], `cannot reach the Klaxon API at http://127.0.0.1:${port} (nothing listens there).\n`],
      [['tokens', 'list'], `cannot reach the ledger database at postgres://klaxon:…@127.0.0.1:${port}/ledger (nothing listens there).\n`],
      [['audit', 'verify'], 'cannot reach the ledger database'],
    ];
    for (const [args, message] of cases) {
      const asked = performance.now();
      const err = await refusal(args, env);
      expect(performance.now() - asked).toBeLessThan(3_000);
      expect(err.message).toContain(message);
      expect(err.message).toContain('Start it with `npm start`');
      expect(err.message).not.toContain('secret');
      expect(balanced(err.message)).toBe(true);
    }
    const noLedger = await refusal(['tokens', 'list'], { KLAXON_DATA_DIR: '/nonexistent' });
    expect(noLedger.message).toMatch(/^tokens live in the ledger database, and DATABASE_URL is not set \(no embedded stack is running\)\.\nIs Klaxon running\? Start it with `npm start`/);
  });

  it('names a stack file whose process no longer runs', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'klaxon-cli-'));
    try {
      const port = await freePort();
      // A pid no process has: above the kernel's pid_max.
      writeStackFile(dataDir, { apiUrl: `http://127.0.0.1:${port}`, temporalAddress: `127.0.0.1:${port}`, temporalUiUrl: '', databaseUrl: '', pid: 2 ** 22 + 1, startedAt: '2026-12-04T00:00:00Z' });
      const err = await refusal(['incidents', 'list'], { KLAXON_DATA_DIR: dataDir, TEMPORAL_ADDRESS: `127.0.0.1:${port}` });
      expect(err.message).toContain(`(${join(dataDir, 'stack.json')} names a stack, process ${2 ** 22 + 1}, that no longer runs)`);
      // Only the process that wrote it removes it.
      removeStackFile(dataDir, process.pid);
      expect(existsSync(stackFilePath(dataDir))).toBe(true);
      removeStackFile(dataDir, 2 ** 22 + 1);
      expect(existsSync(stackFilePath(dataDir))).toBe(false);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

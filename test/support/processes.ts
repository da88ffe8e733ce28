import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { register } from './teardown';

export const ROOT = join(__dirname, '../..');

/** A TCP port that was free a moment ago on the loopback interface. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as { port: number };
  await new Promise((ok) => server.close(ok));
  return port;
}

/**
 * The environment of an embedded stack that keeps to itself: a fresh data directory and free
 * ports for each of its parts, the ledger on PGlite (no DATABASE_URL), so it can run beside
 * another stack on the same machine.
 */
export async function isolatedStackEnv(dataDir: string): Promise<NodeJS.ProcessEnv> {
  return {
    ...process.env,
    KLAXON_DATA_DIR: dataDir,
    PORT: String(await freePort()),
    KLAXON_TEMPORAL_PORT: String(await freePort()),
    KLAXON_TEMPORAL_UI_PORT: String(await freePort()),
    KLAXON_PGLITE_PORT: String(await freePort()),
    DATABASE_URL: '',
  };
}

/** Runs the `klaxon` CLI as a user would, `input` on its standard input; rejects with code, stdout and stderr on failure. */
export function klaxon(args: string[], env: NodeJS.ProcessEnv, input = ''): Promise<{ stdout: string; stderr: string }> {
  return new Promise((ok, fail) => {
    const child = execFile(process.execPath, [join(ROOT, 'bin/klaxon.cjs'), ...args], { env, cwd: ROOT }, (err, stdout, stderr) =>
      err ? fail(Object.assign(err, { stdout, stderr })) : ok({ stdout, stderr }),
    );
    child.stdin?.end(input);
  });
}

/**
 * A long-running child whose output is collected, with a way to wait for a line. It leads a
 * process group of its own, so what it starts (an embedded stack's Temporal server) is
 * stopped with it, at the end of the test file at the latest.
 */
export class Child {
  output = '';
  readonly exited: Promise<number | null>;
  private readonly printed = new EventEmitter();
  /** Its output has ended ('close'). */
  private closed = false;

  constructor(readonly process: ChildProcess) {
    const collect = (d: Buffer) => {
      this.output += d;
      this.printed.emit('output');
    };
    process.stdout?.on('data', collect);
    process.stderr?.on('data', collect);
    this.exited = new Promise((ok) => process.once('exit', ok));
    process.once('close', () => (this.closed = true));
    register(() => this.stop());
  }

  static start(command: string, args: string[], env: NodeJS.ProcessEnv): Child {
    return new Child(spawn(command, args, { env, cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], detached: true }));
  }

  /** Resolves when `text` has been printed; fails as soon as the child's output ends without it. */
  waitForOutput(text: string, timeoutMs = 90_000): Promise<void> {
    return new Promise((ok, fail) => {
      const done = (err?: Error) => {
        clearTimeout(timer);
        this.printed.off('output', check);
        this.process.off('close', closed);
        if (err) fail(err);
        else ok();
      };
      const check = () => void (this.output.includes(text) && done());
      // 'close' comes after the last output, unlike 'exit'.
      const closed = () => done(new Error(`exited (${this.process.exitCode ?? this.process.signalCode}) before printing "${text}":\n${this.output}`));
      const timer = setTimeout(() => done(new Error(`did not print "${text}" within ${timeoutMs} ms:\n${this.output}`)), timeoutMs);
      this.printed.on('output', check);
      this.process.once('close', closed);
      check();
      if (this.closed) closed();
    });
  }

  /** Ctrl-C (SIGINT), then SIGKILL to its whole group if it has not exited within 15 s; whatever it left in its group goes too. */
  async stop(): Promise<void> {
    const group = -this.process.pid!;
    if (this.process.exitCode === null && this.process.signalCode === null) {
      this.process.kill('SIGINT');
      const timer = setTimeout(() => killGroup(group), 15_000);
      await this.exited;
      clearTimeout(timer);
    }
    killGroup(group);
  }
}

function killGroup(group: number): void {
  try {
    process.kill(group, 'SIGKILL');
  } catch {
    // The group is already gone.
  }
}

import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';

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

/** Runs the `klaxon` CLI as a user would; rejects with code and stderr on failure. */
export function klaxon(args: string[], env: NodeJS.ProcessEnv): Promise<{ stdout: string; stderr: string }> {
  return promisify(execFile)(process.execPath, [join(ROOT, 'bin/klaxon.cjs'), ...args], { env, cwd: ROOT });
}

/** A long-running child whose output is collected, with a way to wait for a line. */
export class Child {
  output = '';
  readonly exited: Promise<number | null>;

  constructor(readonly process: ChildProcess) {
    process.stdout?.on('data', (d) => (this.output += d));
    process.stderr?.on('data', (d) => (this.output += d));
    this.exited = new Promise((ok) => process.once('exit', ok));
  }

  static start(command: string, args: string[], env: NodeJS.ProcessEnv): Child {
    return new Child(spawn(command, args, { env, cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] }));
  }

  async waitForOutput(text: string, timeoutMs = 90_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.output.includes(text)) {
      if (this.process.exitCode !== null) throw new Error(`exited (${this.process.exitCode}) before printing "${text}":\n${this.output}`);
      if (Date.now() > deadline) throw new Error(`did not print "${text}" within ${timeoutMs} ms:\n${this.output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

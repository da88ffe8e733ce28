import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Child, freePort, ROOT } from './processes';

/** The example Next.js app (examples/nextjs), as a customer's app that uses @klaxon/next. */
export const EXAMPLE_APP = join(ROOT, 'examples/nextjs');

/**
 * Builds the package, installs the example's modules and `next build`s it, each only when its
 * inputs changed (scripts/ensure-example-app.sh): minutes on a fresh clone, a second otherwise.
 * A child of the test, so a build the file's timeout cuts short is stopped with it.
 */
export async function ensureExampleApp(): Promise<void> {
  const build = Child.start('sh', ['scripts/ensure-example-app.sh'], { ...process.env, NEXT_TELEMETRY_DISABLED: '1' });
  const code = await build.exited;
  await build.stop();
  if (code !== 0) throw new Error(`scripts/ensure-example-app.sh failed (${code}):\n${build.output}`);
}

export interface ExampleApp {
  /** Where it listens, e.g. http://127.0.0.1:41234 */
  url: string;
  /** `next start`, its output collected (the app's log lines). */
  child: Child;
}

/**
 * `next start` of the built app with `env` (KLAXON_URL, KLAXON_WEBHOOK_SECRET, EDGE_CONFIG,
 * DATABASE_URL…) and PORT, as a customer runs it in production; nothing of the test's own
 * environment reaches it but PATH and HOME (Next would warn of jest's NODE_ENV=test).
 */
export async function startExampleApp(env: Record<string, string>): Promise<ExampleApp> {
  const port = await freePort();
  const child = new Child(
    spawn(process.execPath, [join(EXAMPLE_APP, 'node_modules/next/dist/bin/next'), 'start', '--hostname', '127.0.0.1'], {
      cwd: EXAMPLE_APP,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, TZ: 'UTC', NODE_ENV: 'production', NEXT_TELEMETRY_DISABLED: '1', PORT: String(port), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    }),
  );
  await child.waitForOutput('Ready', 60_000);
  return { url: `http://127.0.0.1:${port}`, child };
}

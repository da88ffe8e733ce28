import { rmSync } from 'node:fs';
import { leftRunning } from './leaks';

/**
 * Removes the run's directory (test/support/global-setup.ts), checks that the tests left
 * nothing running, then prints the summary reporter's line after
 * jest's own summary. Every test file runs in this process (maxWorkers: 1, in band), so what
 * it still holds open (a listening server, a connection, a child process such as a Temporal
 * server) was leaked by a file's teardown: the leaked processes are killed, and the run
 * fails naming every leak, instead of jest waiting for ever on a worker polling a closed server.
 */
export default async function globalTeardown(): Promise<void> {
  if (process.env.KLAXON_TEST_RUN_DIR) rmSync(process.env.KLAXON_TEST_RUN_DIR, { recursive: true, force: true });
  const left = leftRunning();
  for (const p of left.processes) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // Gone meanwhile.
    }
  }
  const leaks = [...left.processes.map((p) => `process ${p.pid} (${p.command})`), ...left.sockets.map((s) => `socket ${s}`)];
  const line = (globalThis as { klaxonTestSummary?: string }).klaxonTestSummary;
  if (line) process.stdout.write(`\n${line}${leaks.length ? `; left running after the tests: ${leaks.length}` : ''}\n`);
  if (leaks.length) throw new Error(`the tests left ${leaks.length} thing(s) running (killed the processes):\n  ${leaks.join('\n  ')}`);
}

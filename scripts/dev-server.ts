import { spawn, type ChildProcess } from 'node:child_process';
import { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTE_FLAGS } from '../workflows/search-attributes';

/** Flags every Klaxon dev server needs: its search attributes and update-with-start. */
export const DEV_SERVER_EXTRA_ARGS = [
  ...SEARCH_ATTRIBUTE_FLAGS.flatMap((sa) => ['--search-attribute', sa]),
  '--dynamic-config-value',
  'frontend.enableExecuteMultiOperation=true',
];

export interface DevServer {
  process: ChildProcess;
  address: string;
  uiUrl: string;
  stop(): Promise<void>;
}

/** Starts `temporal server start-dev` persisted to `dbFile` and waits until it answers. */
export async function startDevServer(binary: string, opts: { dbFile: string; port: number; uiPort: number }): Promise<DevServer> {
  const address = `127.0.0.1:${opts.port}`;
  const child = spawn(
    binary,
    [
      'server', 'start-dev', '--db-filename', opts.dbFile, '--ip', '127.0.0.1', '--port', String(opts.port), '--ui-port', String(opts.uiPort), '--log-level', 'error',
      // Write-ahead log, synced at checkpoints: a killed process loses nothing committed (the OS
      // holds the log); only a power cut can lose the last moments. Several times the rate of
      // the default journal, which syncs every transaction.
      '--sqlite-pragma', 'journal_mode=wal', '--sqlite-pragma', 'synchronous=normal',
      ...DEV_SERVER_EXTRA_ARGS,
    ],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const deadline = Date.now() + 60_000;
  for (;;) {
    const early = await Promise.race([exited, new Promise<'waiting'>((r) => setTimeout(() => r('waiting'), 250))]);
    if (early !== 'waiting') throw new Error(`temporal server start-dev exited with code ${early} (is port ${opts.port} or ${opts.uiPort} taken?)`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      await connection.workflowService.getSystemInfo({});
      await connection.close();
      break;
    } catch (err) {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`temporal dev server did not answer on ${address} within 60 s: ${(err as Error).message}`);
      }
    }
  }
  return {
    process: child,
    address,
    uiUrl: `http://127.0.0.1:${opts.uiPort}`,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      // It stops in well under a second; one that does not is killed, so Ctrl-C ends within 10 s.
      const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

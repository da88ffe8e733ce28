import { logger } from '../../telemetry/log';
/**
 * What an unexpected error may tell a log: its kind, its code and where it was thrown. Not
 * its message: that may quote a request (personal data) or a configuration value (a secret).
 */
export function describeError(err: unknown): string {
  if (!(err instanceof Error)) return `a thrown ${err === null ? 'null' : typeof err}`;
  const code = (err as { code?: unknown }).code;
  const where = (err.stack ?? '')
    .split('\n')
    .filter((line) => /^\s+at /.test(line))
    .slice(0, 5)
    .map((line) => line.trim())
    .join(' < ');
  return `${err.name}${typeof code === 'string' || typeof code === 'number' ? ` (${code})` : ''}${where ? ` ${where}` : ''}`;
}

/**
 * The last resort of a process that serves the API: an error that escaped every handler, or
 * a rejection nobody awaited, is logged and the process keeps serving. Exiting would drop
 * every request in flight, and in the embedded stack the worker and the PGlite ledger with
 * them; what was in flight is retried by Temporal or the sender either way. The routing
 * answers each request's own failure (client/api/server.ts); this only catches what escapes
 * it, such as a library's callback.
 */
export function keepServingOnUncaughtErrors(log: (line: string) => void = (line) => logger.error(line)): void {
  process.on('uncaughtException', (err) => log(`klaxon: an error escaped its handler; still serving: ${describeError(err)}`));
  process.on('unhandledRejection', (reason) => log(`klaxon: a promise rejection was not handled; still serving: ${describeError(reason)}`));
}

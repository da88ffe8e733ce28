import pino, { type DestinationStream, type Logger as Pino } from 'pino';
import type { Logger as TemporalLogger, LogLevel, LogMetadata } from '@temporalio/common';
import { activeTraceId } from './tracing';

/**
 * The process's logger: pino, one JSON line per event (`level`, `time`, `msg`, and where known
 * `incidentId`, `workflowId`, `traceId`, `source`) when standard output is not a terminal, a
 * readable line on a terminal. KLAXON_LOG_LEVEL sets the threshold (default info).
 *
 * What is logged is Klaxon's own words and bounded fields: never a request body, a header, a
 * token or outside text (an alert's title, a dedup key), since logs are kept and shipped where
 * redaction does not reach. The paths below are a second net for a field named like a secret.
 */
const SECRET_FIELDS = ['authorization', 'token', 'secret', 'password', 'signature', 'apiKey', 'headers'];

/** On a terminal: `12:00:00.123 INFO  message key=value …`, for people reading along. */
function readableLines(out: NodeJS.WritableStream): DestinationStream {
  const names: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO ', 40: 'WARN ', 50: 'ERROR', 60: 'FATAL' };
  return {
    write(line: string) {
      const { level, time, msg, pid: _pid, hostname: _host, ...rest } = JSON.parse(line) as Record<string, unknown>;
      const fields = Object.entries(rest).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
      out.write(`${new Date(time as number).toISOString().slice(11, 23)} ${names[level as number] ?? level} ${String(msg ?? '')}${fields.length ? `  ${fields.join(' ')}` : ''}\n`);
    },
  };
}

const LEVEL_NAMES = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];

export function createLogger(env: NodeJS.ProcessEnv = process.env, out: NodeJS.WritableStream & { isTTY?: boolean } = process.stdout): Pino {
  const wanted = env.KLAXON_LOG_LEVEL || 'info';
  const made = pino(
    {
      // A level pino does not know would end the process at its first import: info, and said so below.
      level: LEVEL_NAMES.includes(wanted) ? wanted : 'info',
      base: undefined,
      redact: { paths: SECRET_FIELDS.flatMap((f) => [f, `*.${f}`]), censor: '[redacted]' },
      // The trace a line belongs to, when tracing is on and a span is active.
      mixin: () => {
        const traceId = activeTraceId();
        return traceId ? { traceId } : {};
      },
    },
    out.isTTY ? readableLines(out) : (out as DestinationStream),
  );
  if (!LEVEL_NAMES.includes(wanted)) made.warn(`KLAXON_LOG_LEVEL "${wanted.slice(0, 40)}" is not one of ${LEVEL_NAMES.join(', ')}: logging from info`);
  return made;
}

export const logger = createLogger();

/** One component's lines (`component` on each), e.g. "api", "worker", "ledger". */
export const componentLogger = (component: string): Pino => logger.child({ component });

const ORDER: LogLevel[] = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'];
const LEVELS: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' };

/**
 * The Temporal SDK's logger (the runtime's, the worker's, activities' and workflows' through
 * it) writing into the same lines: an incident's workflow id is its incident id, so both are
 * named. Metadata the SDK adds is kept as it is (task queue, activity type, attempt…).
 */
export class TemporalLogBridge implements TemporalLogger {
  private readonly out = componentLogger('temporal');

  /** `least`: the SDK's messages below it are dropped (the embedded stack shows warnings only). */
  constructor(private readonly least: LogLevel = 'INFO') {}

  log(level: LogLevel, message: string, meta: LogMetadata = {}): void {
    if (ORDER.indexOf(level) < ORDER.indexOf(this.least)) return;
    // An activity's task token completes it for whoever holds Temporal's credentials: not for logs.
    const { taskToken: _token, ...fields } = meta as Record<string, unknown>;
    if (typeof meta.workflowId === 'string' && meta.workflowType === 'incident') fields.incidentId = meta.workflowId;
    this.out[LEVELS[level] ?? 'info'](fields, message);
  }
  trace(message: string, meta?: LogMetadata): void {
    this.log('TRACE', message, meta);
  }
  debug(message: string, meta?: LogMetadata): void {
    this.log('DEBUG', message, meta);
  }
  info(message: string, meta?: LogMetadata): void {
    this.log('INFO', message, meta);
  }
  warn(message: string, meta?: LogMetadata): void {
    this.log('WARN', message, meta);
  }
  error(message: string, meta?: LogMetadata): void {
    this.log('ERROR', message, meta);
  }
}

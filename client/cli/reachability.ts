import { connect } from 'node:net';
import { readStackFile, stackFilePath } from './stack-file';

/** How long the CLI waits for a part of the stack to take a connection before saying it is down. */
const PROBE_MS = 2_000;

/** A part of the stack the CLI cannot reach: exits 1 naming it, where it was looked for, and how to start it. */
export class UnreachableError extends Error {
  override name = 'UnreachableError';
}

/**
 * Opens a TCP connection to `host:port` and closes it: why it could not, or undefined. The CLI
 * asks this before its real client connects, so a stack that is down is named at once rather
 * than after the client's own retries (Temporal's gRPC client waits ~10 s, `fetch` says only
 * "fetch failed").
 */
export function probe(host: string, port: number, timeoutMs = PROBE_MS): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (why: string | undefined) => {
      socket.destroy();
      resolve(why);
    };
    socket.setTimeout(timeoutMs, () => done(`no answer within ${timeoutMs / 1000} s`));
    socket.once('connect', () => done(undefined));
    socket.once('error', (err: NodeJS.ErrnoException) =>
      done(err.code === 'ECONNREFUSED' ? 'nothing listens there' : err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN' ? 'the host name does not resolve' : err.message),
    );
  });
}

/** `host:port`, `[::1]:7233`, `https://api.example:8443/x` or `postgres://u:p@db/x` as host and port (defaults per scheme). */
export function endpointOf(address: string): { host: string; port: number } | undefined {
  const url = /^[a-z][a-z0-9+.-]*:\/\//i.test(address) ? safeUrl(address) : safeUrl(`tcp://${address}`);
  if (!url?.hostname) return undefined;
  const defaults: Record<string, number> = { 'http:': 80, 'https:': 443, 'postgres:': 5432, 'postgresql:': 5432, 'tcp:': 7233 };
  const port = url.port ? Number(url.port) : defaults[url.protocol];
  return port ? { host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port } : undefined;
}

function safeUrl(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}

export interface Part {
  /** What it is, as the message names it: "Temporal", "the Klaxon API", "the ledger database". */
  what: string;
  /** Where the CLI looks for it: a host:port or URL (a database URL's password is never shown). */
  address: string;
  /** The environment variable that names another place. */
  variable: string;
}

/**
 * Fails at once, with what to do, when `part` takes no connection; a part the CLI cannot
 * probe (a database on a Unix socket) is left to its client.
 */
export async function requireReachable(part: Part, env: NodeJS.ProcessEnv): Promise<void> {
  const endpoint = endpointOf(part.address);
  if (!endpoint) return;
  const why = await probe(endpoint.host, endpoint.port);
  if (why) throw new UnreachableError(`cannot reach ${part.what} at ${shown(part.address)} (${why}).\n${howToStart(env, `set ${part.variable} to where ${part.what} listens`)}`);
}

/** What to do about it: start the embedded stack here, or `orElse` (point a variable at what runs elsewhere). */
export function howToStart(env: NodeJS.ProcessEnv, orElse: string): string {
  const dataDir = env.KLAXON_DATA_DIR || '.data';
  const stack = readStackFile(dataDir);
  const stale = stack && !isRunning(stack.pid) ? ` (${stackFilePath(dataDir)} names a stack, process ${stack.pid}, that no longer runs)` : '';
  return `Is Klaxon running?${stale} Start it with \`npm start\` in the Klaxon directory (it prints where each part listens), or ${orElse}.`;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** An address as a message may show it: without a password. */
export function shown(address: string): string {
  return address.replace(/\/\/([^:/@]*):[^@]*@/, '//$1:…@');
}

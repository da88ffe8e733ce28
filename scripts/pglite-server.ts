import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

export interface PgliteServerOptions {
  /** PGlite's data directory. */
  dataDir: string;
  /** Loopback port; 0 for any free one. */
  port: number;
  /** Every login must give it (MD5 challenge, as PostgreSQL's md5 method). */
  password: string;
  /** A unit of statements running longer ends its connection (PGlite ignores statement_timeout). */
  statementTimeoutMs?: number;
  /** A connection idle inside a transaction this long is ended and its transaction rolled back. */
  idleInTransactionTimeoutMs?: number;
  maxConnections?: number;
  log?: (line: string) => void;
}

const PROTOCOL_3 = 196608;
const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;
/** A login not done by then is dropped; a startup packet larger than this is refused. */
const LOGIN_TIMEOUT_MS = 10_000;
const MAX_STARTUP_BYTES = 10_000;
/** The largest unit of messages a client may send at once (a ledger batch is far smaller). */
const MAX_UNIT_BYTES = 64 * 1024 * 1024;

/** One client connection as the server tracks it. */
interface Connection {
  socket: Socket;
  buffer: Buffer;
  phase: 'startup' | 'password' | 'ready' | 'closed';
  user: string;
  salt: Buffer;
  startup?: Buffer;
  /** Messages of the unit being received, sent to PGlite together once it ends. */
  partial: Buffer[];
  partialBytes: number;
  idleTimer?: NodeJS.Timeout;
  loginTimer?: NodeJS.Timeout;
}

/**
 * The embedded stack's ledger database served over the PostgreSQL wire protocol, so the worker,
 * the API and the CLI all use `pg` and a DATABASE_URL. Written for what
 * @electric-sql/pglite-socket lacked:
 *
 * - Logins need the password (the stack generates one and keeps it under its data directory);
 *   the server listens on loopback only.
 * - PGlite is one session shared by every connection, so the server hands it to one
 *   connection at a time per unit of messages: up to a Sync (extended protocol) or a simple
 *   Query, and for the whole of an open transaction. pglite-socket interleaved single messages
 *   of different connections, so one connection's Parse replaced another's unnamed statement
 *   between its Parse and its Bind ("unnamed prepared statement does not exist").
 * - PGlite runs statements synchronously and honours neither statement_timeout,
 *   lock_timeout nor idle_in_transaction_session_timeout (accepted, never enforced). So it
 *   runs in a worker thread (scripts/pglite-thread.mjs), and watchdogs bound what one
 *   connection can hold up: a unit running past `statementTimeoutMs` ends that connection
 *   and restarts PGlite (a crash restart: committed work is kept); a connection idle inside a
 *   transaction past `idleInTransactionTimeoutMs` is ended and its transaction rolled back.
 *   The others wait at most that long, then carry on.
 */
export class PgliteServer {
  private server?: Server;
  private thread?: PgliteThread;
  private readonly connections = new Set<Connection>();
  /** Units of messages waiting for PGlite; `holds`: it ends with a Flush, so the extended query goes on. */
  private readonly queue: Array<{ conn: Connection | undefined; bytes: Buffer; holds: boolean }> = [];
  /** The connection PGlite's session belongs to until its transaction (or extended query) ends; undefined: none. */
  private owner?: Connection;
  /** Settles when the units queued so far have run; undefined when nothing runs. */
  private pumping?: Promise<void>;
  private readonly statementTimeoutMs: number;
  private readonly idleInTransactionTimeoutMs: number;

  constructor(private readonly options: PgliteServerOptions) {
    this.statementTimeoutMs = options.statementTimeoutMs ?? 30_000;
    this.idleInTransactionTimeoutMs = options.idleInTransactionTimeoutMs ?? 15_000;
  }

  get port(): number {
    return (this.server!.address() as AddressInfo).port;
  }

  /** The connection string for the stack's own processes (it carries the password). */
  get url(): string {
    return `postgres://postgres:${encodeURIComponent(this.options.password)}@127.0.0.1:${this.port}/postgres`;
  }

  async start(): Promise<void> {
    this.thread = await PgliteThread.start(this.options.dataDir);
    this.server = createServer((socket) => this.accept(socket));
    await new Promise<void>((ok, fail) => this.server!.once('error', fail).listen(this.options.port, '127.0.0.1', ok));
  }

  async stop(): Promise<void> {
    for (const conn of this.connections) this.drop(conn);
    await new Promise((ok) => (this.server ? this.server.close(ok) : ok(undefined)));
    // A unit already running gets a moment to finish (a stop must not wait out a runaway
    // statement's bound); PGlite then closes, or its thread is ended.
    await Promise.race([this.pumping, new Promise((r) => setTimeout(r, 1_000).unref())]);
    await this.thread?.close();
  }

  private accept(socket: Socket): void {
    socket.setNoDelay(true);
    socket.on('error', () => undefined);
    if (this.connections.size >= (this.options.maxConnections ?? 32)) {
      socket.end(errorResponse('FATAL', '53300', 'sorry, too many clients already'));
      return;
    }
    const conn: Connection = { socket, buffer: Buffer.alloc(0), phase: 'startup', user: '', salt: randomBytes(4), partial: [], partialBytes: 0 };
    this.connections.add(conn);
    conn.loginTimer = setTimeout(() => this.fail(conn, '08P01', 'login timed out'), LOGIN_TIMEOUT_MS);
    socket.on('data', (data) => {
      conn.buffer = conn.buffer.length ? Buffer.concat([conn.buffer, data]) : data;
      try {
        this.read(conn);
      } catch (err) {
        this.fail(conn, '08P01', (err as Error).message);
      }
    });
    socket.on('close', () => this.drop(conn));
  }

  /** Consumes every complete message in the connection's buffer. */
  private read(conn: Connection): void {
    while (conn.phase !== 'closed') {
      if (conn.phase === 'startup') {
        if (conn.buffer.length < 8) return;
        const length = conn.buffer.readInt32BE(0);
        if (length < 8 || length > MAX_STARTUP_BYTES) throw new Error('invalid startup packet length');
        if (conn.buffer.length < length) return;
        const packet = conn.buffer.subarray(0, length);
        conn.buffer = conn.buffer.subarray(length);
        this.startup(conn, packet);
        continue;
      }
      if (conn.buffer.length < 5) return;
      const length = conn.buffer.readInt32BE(1);
      // Before the login, only a password message, as small as a startup packet.
      const limit = conn.phase === 'password' ? MAX_STARTUP_BYTES : MAX_UNIT_BYTES - conn.partialBytes;
      if (length < 4 || length > limit) throw new Error('invalid message length');
      if (conn.buffer.length < 1 + length) return;
      const message = conn.buffer.subarray(0, 1 + length);
      conn.buffer = conn.buffer.subarray(1 + length);
      if (conn.phase === 'password') this.password(conn, message);
      else this.message(conn, message);
    }
  }

  private startup(conn: Connection, packet: Buffer): void {
    const code = packet.readInt32BE(4);
    if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
      conn.socket.write('N');
      return;
    }
    // PGlite has no backend to cancel; the request's connection just ends.
    if (code === CANCEL_REQUEST) return this.drop(conn);
    if (code !== PROTOCOL_3) throw new Error('unsupported frontend protocol');
    const fields = packet.subarray(8).toString('utf8').split('\0');
    for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === 'user') conn.user = fields[i + 1];
    conn.startup = Buffer.from(packet);
    conn.phase = 'password';
    // AuthenticationMD5Password with this connection's salt.
    conn.socket.write(message('R', Buffer.concat([int32(5), conn.salt])));
  }

  private password(conn: Connection, msg: Buffer): void {
    if (msg[0] !== 'p'.charCodeAt(0)) throw new Error('expected a password message');
    const given = msg.subarray(5, msg.length - 1);
    const inner = createHash('md5').update(this.options.password + conn.user).digest('hex');
    const expected = Buffer.from(`md5${createHash('md5').update(inner).update(conn.salt).digest('hex')}`);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return this.fail(conn, '28P01', `password authentication failed for user "${conn.user}"`);
    }
    clearTimeout(conn.loginTimer);
    conn.phase = 'ready';
    // PGlite answers the startup packet itself: AuthenticationOk, its parameters, ReadyForQuery.
    this.enqueue(conn, conn.startup!, false);
  }

  private message(conn: Connection, msg: Buffer): void {
    const type = String.fromCharCode(msg[0]);
    if (type === 'X') return this.drop(conn);
    conn.partial.push(msg);
    conn.partialBytes += msg.length;
    // A unit ends where the client waits for answers: Sync, a simple Query, or a Flush.
    if (type !== 'S' && type !== 'Q' && type !== 'H') return;
    const unit = Buffer.concat(conn.partial);
    conn.partial = [];
    conn.partialBytes = 0;
    this.enqueue(conn, unit, type === 'H');
  }

  private enqueue(conn: Connection | undefined, bytes: Buffer, holds: boolean): void {
    if (conn) clearTimeout(conn.idleTimer);
    this.queue.push({ conn, bytes, holds });
    this.pump();
  }

  /** Runs queued units one at a time, the session owner's first while it holds the session. */
  private pump(): void {
    if (this.pumping) return;
    this.pumping = this.drain().finally(() => {
      this.pumping = undefined;
      const i = this.owner ? this.queue.findIndex((u) => u.conn === this.owner) : 0;
      if (i >= 0 && this.queue.length) this.pump();
    });
  }

  private async drain(): Promise<void> {
    for (;;) {
      const i = this.owner ? this.queue.findIndex((u) => u.conn === this.owner) : 0;
      if (i < 0 || this.queue.length === 0) return;
      const [unit] = this.queue.splice(i, 1);
      if (unit.conn?.phase !== 'closed') await this.run(unit.conn, unit.bytes, unit.holds);
    }
  }

  private async run(conn: Connection | undefined, bytes: Buffer, holds: boolean): Promise<void> {
    const thread = this.thread!;
    let timedOut = false;
    const watchdog = setTimeout(() => {
      timedOut = true;
      void thread.terminate();
    }, this.statementTimeoutMs);
    try {
      const answer = await thread.run(bytes);
      // The session stays this connection's inside a transaction and after a Flush (an
      // extended query not yet synced); otherwise another connection may have it.
      const held = answer.inTransaction || holds;
      if (conn?.phase === 'closed') {
        // Gone while its unit ran: what it held must not block the rest.
        if (held) await thread.run(RESET);
        this.owner = undefined;
        return;
      }
      conn?.socket.write(answer.bytes);
      this.owner = conn && held ? conn : undefined;
      if (conn && answer.inTransaction) {
        conn.idleTimer = setTimeout(() => this.fail(conn, '25P03', 'terminating connection due to idle-in-transaction timeout'), this.idleInTransactionTimeoutMs);
      }
    } catch (err) {
      this.owner = undefined;
      const why = timedOut ? `canceling statement due to statement timeout (${this.statementTimeoutMs} ms)` : `the ledger database failed: ${(err as Error).message}`;
      this.options.log?.(`klaxon: ${why}; ending that connection and restarting PGlite`);
      if (conn) this.fail(conn, timedOut ? '57014' : 'XX000', why);
      await thread.terminate();
      this.thread = await PgliteThread.start(this.options.dataDir);
    } finally {
      clearTimeout(watchdog);
    }
  }

  /** Ends a connection with a FATAL error it can report. */
  private fail(conn: Connection, code: string, text: string): void {
    if (conn.phase === 'closed') return;
    conn.socket.write(errorResponse('FATAL', code, text));
    this.drop(conn);
  }

  private drop(conn: Connection): void {
    if (conn.phase === 'closed') return;
    conn.phase = 'closed';
    clearTimeout(conn.idleTimer);
    clearTimeout(conn.loginTimer);
    this.connections.delete(conn);
    conn.socket.end();
    conn.socket.destroySoon();
    // The session it held (an open transaction, an unfinished extended query) is reset for the next.
    if (this.owner === conn) {
      this.owner = undefined;
      this.queue.unshift({ conn: undefined, bytes: RESET, holds: false });
      this.pump();
    }
  }
}

/** PGlite in its worker thread, one unit at a time. */
class PgliteThread {
  private pending?: { ok: (a: { bytes: Buffer; inTransaction: boolean }) => void; fail: (e: Error) => void };
  private readonly exited: Promise<void>;

  private constructor(private readonly worker: Worker) {
    this.exited = new Promise((ok) => worker.once('exit', () => ok()));
    worker.on('message', (m: { bytes?: Uint8Array; inTransaction?: boolean; error?: string }) => {
      const p = this.pending;
      this.pending = undefined;
      if (m.error !== undefined) p?.fail(new Error(m.error));
      else if (m.bytes) p?.ok({ bytes: Buffer.from(m.bytes), inTransaction: Boolean(m.inTransaction) });
    });
    // An uncaught error in the thread ends it: the unit running fails, and the server restarts PGlite.
    worker.on('error', () => undefined);
    worker.on('exit', () => this.pending?.fail(new Error('PGlite stopped')));
  }

  static async start(dataDir: string): Promise<PgliteThread> {
    // No execArgv: the thread is plain JavaScript and needs none of tsx's or jest's loaders.
    const worker = new Worker(join(__dirname, 'pglite-thread.mjs'), { workerData: { dataDir }, execArgv: [] });
    // Listeners of its own only: removing all of a Worker's listeners cuts its stdio and stalls it.
    await new Promise<void>((ok, fail) => {
      const exited = (code: number) => fail(new Error(`PGlite did not start (thread exit ${code})`));
      worker.once('exit', exited).once('error', fail).once('message', () => {
        worker.off('exit', exited).off('error', fail);
        ok();
      });
    });
    return new PgliteThread(worker);
  }

  run(bytes: Buffer): Promise<{ bytes: Buffer; inTransaction: boolean }> {
    return new Promise((ok, fail) => {
      this.pending = { ok, fail };
      this.worker.postMessage({ bytes });
    });
  }

  async terminate(): Promise<void> {
    await this.worker.terminate();
  }

  /** Closes PGlite cleanly (written to disk), or ends the thread if it does not close in 3 s. */
  async close(): Promise<void> {
    this.worker.postMessage({ close: true });
    const timer = setTimeout(() => void this.worker.terminate(), 3_000);
    await this.exited;
    clearTimeout(timer);
  }
}

function int32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
}

function message(type: string, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from(type), int32(body.length + 4), body]);
}

function errorResponse(severity: string, code: string, text: string): Buffer {
  const field = (t: string, v: string) => Buffer.from(`${t}${v}\0`);
  return message('E', Buffer.concat([field('S', severity), field('V', severity), field('C', code), field('M', text), Buffer.from('\0')]));
}

/** Ends an unfinished extended query (Sync) and an open transaction (ROLLBACK): the session as new. */
const RESET = Buffer.concat([message('S', Buffer.alloc(0)), message('Q', Buffer.from('ROLLBACK\0'))]);

import { connect, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { closeServer, register } from './teardown';

/**
 * A loopback TCP proxy in front of a service (the ledger's PostgreSQL, Temporal): `cut()` drops
 * every open connection and refuses new ones, as a database that went away; `restore()` lets
 * connections through again. `holdReplies()` lets requests through to the service but keeps
 * its replies back (a client that dies then has been heard but never answered); `release()`
 * passes them on.
 */
export class TcpProxy {
  private server?: Server;
  private readonly open = new Set<Socket>();
  /** Each connection's service side → its client side, for holding replies. */
  private readonly replies = new Map<Socket, Socket>();
  private down = false;
  private held = false;

  constructor(private readonly target: { host: string; port: number }) {}

  get port(): number {
    return (this.server!.address() as AddressInfo).port;
  }

  async start(): Promise<void> {
    this.server = createServer((client) => {
      if (this.down) return client.destroy();
      const upstream = connect(this.target);
      for (const s of [client, upstream]) {
        this.open.add(s);
        s.on('close', () => this.open.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream);
      if (!this.held) upstream.pipe(client);
      this.replies.set(upstream, client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => {
        this.replies.delete(upstream);
        client.destroy();
      });
    });
    await new Promise<void>((ok) => this.server!.listen(0, '127.0.0.1', ok));
    register(() => this.stop());
  }

  cut(): void {
    this.down = true;
    for (const s of this.open) s.destroy();
  }

  restore(): void {
    this.down = false;
  }

  /** From now on the service's replies wait in the proxy (unpiped, so not read) until `release()`. */
  holdReplies(): void {
    this.held = true;
    for (const [upstream, client] of this.replies) upstream.unpipe(client);
  }

  release(): void {
    this.held = false;
    for (const [upstream, client] of this.replies) upstream.pipe(client);
  }

  async stop(): Promise<void> {
    this.cut();
    await closeServer(this.server);
  }
}

import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { openDatabase } from '../../ledger/database';
import { SharedIntakeWindows } from '../../ledger/intake-windows';
import { SeenDeliveries } from '../../ledger/seen-deliveries';

/**
 * A ledger database that hangs rather than refuses (a stalled network, a server frozen mid-
 * handshake): the API's checks before a signal must give up on it and let the alert through, as
 * they do when it refuses. The server here accepts connections and never says a word.
 */
let silent: Server;
const sockets: Socket[] = [];
let url: string;
beforeAll(async () => {
  silent = createServer((socket) => void sockets.push(socket));
  await new Promise<void>((ok) => silent.listen(0, '127.0.0.1', ok));
  url = `postgres://postgres@127.0.0.1:${(silent.address() as AddressInfo).port}/test`;
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((ok) => silent.close(ok));
});

it('lets a storm batch go after a second when the window cannot be reserved, and says why', async () => {
  const pool = openDatabase(url, { max: 1 });
  const lines: string[] = [];
  const started = Date.now();
  expect(await new SharedIntakeWindows(pool, (line) => lines.push(line)).reserve('acme:hung', 250)).toBe(0);
  expect(Date.now() - started).toBeLessThan(2_000);
  expect(lines).toEqual([expect.stringContaining('reserving the window took longer than 1000 ms')]);
  void pool.end().catch(() => undefined);
});

it('lets a delivery through after two seconds when the replay memory cannot be read, and its remembering gives up too', async () => {
  const pool = openDatabase(url, { max: 1 });
  const lines: string[] = [];
  const memory = new SeenDeliveries(pool, (line) => lines.push(line));
  const now = new Date();
  const started = Date.now();
  expect(await memory.seen(['d-1'], now)).toEqual(new Set());
  await memory.remember(['d-1'], now, new Date(now.getTime() + 60_000));
  expect(Date.now() - started).toBeLessThan(5_000);
  expect(lines).toEqual([expect.stringContaining('the replay check took longer than 2000 ms'), expect.stringContaining('remembering the deliveries took longer than 2000 ms')]);
  void pool.end().catch(() => undefined);
});

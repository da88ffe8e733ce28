import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Pool } from 'pg';
import { openDatabase } from '../../ledger/database';
import { HistoryArchive } from '../../ledger/history-archive';
import { migrate } from '../../ledger/migrate';
import { LedgerStore } from '../../ledger/store';
import { PgliteServer } from '../../scripts/pglite-server';
import { testEvent } from '../support/ledger-events';
import { track } from '../support/teardown';

/**
 * The embedded stack's ledger database over the wire: a password for every login, one
 * connection's statements never interleaved with another's, and no connection able to hold
 * the others up beyond the bounds.
 */
const BOUND_MS = 1500;
let dataDir: string;
let server: PgliteServer;
let db: Pool;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'klaxon-pglite-'));
  server = track(new PgliteServer({ dataDir, port: 0, password: 'ledger-pw', statementTimeoutMs: BOUND_MS, idleInTransactionTimeoutMs: BOUND_MS }), (s) => s.stop());
  await server.start();
  db = track(openDatabase(server.url, { max: 4 }), (p) => p.end());
  await migrate(db);
});

afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const connect = async (url: string): Promise<Client> => {
  const client = new Client({ connectionString: url });
  client.on('error', () => undefined);
  await client.connect();
  return client;
};
const timed = async <T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> => {
  const t = performance.now();
  const value = await work();
  return { value, ms: performance.now() - t };
};

describe('the PGlite server of the embedded stack', () => {
  it('listens on loopback only and takes no login without the password', async () => {
    expect(server.url).toMatch(/^postgres:\/\/postgres:ledger-pw@127\.0\.0\.1:\d+\/postgres$/);
    const url = (password: string) => `postgres://postgres${password}@127.0.0.1:${server.port}/postgres`;
    await expect(connect(url(''))).rejects.toThrow();
    await expect(connect(url(':wrong'))).rejects.toThrow('password authentication failed for user "postgres"');
    const ok = await connect(url(':ledger-pw'));
    expect((await ok.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    await ok.end();
  });

  it('runs the history archiver\'s queries beside ledger appends without mixing their statements', async () => {
    const archive = new HistoryArchive(db);
    const ledger = new LedgerStore(db);
    const archiving = Array.from({ length: 40 }, async (_, i) => {
      await archive.save({ runId: `run-${i}`, incidentId: `inc-a${i}`, status: 'COMPLETED', eventCount: 3, history: Buffer.from(`history ${i}`) });
      await archive.archivedRunIds([`run-${i}`, `run-${i + 1}`]);
      return ledger.byStepKey(`inc-a${i}/run-${i}/history-archived`);
    });
    const appending = Array.from({ length: 40 }, (_, i) =>
      ledger.append(testEvent({ incidentId: `inc-p${i % 4}`, stepKey: `inc-p${i}/step`, kind: 'alert.received', occurredAt: new Date().toISOString(), actor: { type: 'system', name: 'test' }, payload: { i } })),
    );
    const results = await Promise.allSettled([...archiving, ...appending]);
    expect(results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason))).toEqual([]);
    expect((await archive.archivedRunIds(Array.from({ length: 40 }, (_, i) => `run-${i}`))).size).toBe(40);
    expect((await ledger.timeline('inc-p0')).map((e) => e.seq)).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
  });

  it('ends a connection idle inside its transaction once the bound passes, rolls it back, and the others carry on', async () => {
    const holder = await connect(server.url);
    await holder.query('CREATE TABLE IF NOT EXISTS held (n int)');
    await holder.query('BEGIN');
    await holder.query('INSERT INTO held VALUES (1)');
    const ended = new Promise<Error>((ok) => holder.once('error', ok));
    // Waits behind the open transaction, no longer than the bound.
    const other = await timed(() => db.query('SELECT count(*)::int AS n FROM held'));
    expect(other.value.rows).toEqual([{ n: 0 }]);
    expect(other.ms).toBeLessThan(BOUND_MS + 1000);
    expect(String(await ended)).toContain('idle-in-transaction timeout');
  });

  it('ends a runaway statement once the bound passes, keeps what was committed, and the others carry on', async () => {
    await db.query("INSERT INTO held VALUES (42)");
    const runaway = await connect(server.url);
    const running = runaway.query('SELECT count(*) FROM generate_series(1, 10000000000)').then(
      () => 'finished',
      (err: Error) => err.message,
    );
    const other = await timed(() => db.query('SELECT n FROM held'));
    expect(other.value.rows).toEqual([{ n: 42 }]);
    // The bound, then PGlite's restart from its directory.
    expect(other.ms).toBeLessThan(BOUND_MS + 10_000);
    expect(await running).toContain('statement timeout');
  });
});

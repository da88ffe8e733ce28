// PGlite in a thread of its own (see scripts/pglite-server.ts). PGlite runs each statement
// synchronously in WebAssembly and honours neither statement_timeout nor any cancel, so in the
// stack's own thread a runaway statement would freeze the API and the worker with it; here the
// server's watchdog can end it by terminating this thread. Plain JavaScript: a worker thread
// gets no TypeScript loader, neither under tsx nor under jest.
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';

const db = await PGlite.create(workerData.dataDir);

// One message at a time from the server: `{ bytes }` is a unit of wire-protocol messages,
// answered with PGlite's reply and whether a transaction is still open; `{ close: true }`
// closes the database (flushing it to disk) and ends the thread.
parentPort.on('message', async (message) => {
  if (message.close) {
    await db.close();
    parentPort.postMessage({ closed: true });
    parentPort.close();
    return;
  }
  const chunks = [];
  try {
    // A copy of its own: the view arrives with the offset it had in the server's buffer pool,
    // and PGlite reads the message from the start of the underlying buffer.
    await db.execProtocolRawStream(new Uint8Array(message.bytes), { onRawData: (data) => chunks.push(Buffer.from(data)) });
    parentPort.postMessage({ bytes: Buffer.concat(chunks), inTransaction: db.isInTransaction() });
  } catch (err) {
    parentPort.postMessage({ error: err instanceof Error ? err.message : String(err) });
  }
});
parentPort.postMessage({ ready: true });

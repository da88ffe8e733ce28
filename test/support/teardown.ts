/**
 * What a test file starts is stopped when the file ends, whatever happened. Helpers register
 * each server, worker, pool, environment and child process the moment it exists; one afterAll
 * (jest runs it after a failed beforeAll or test too) stops, newest first, whatever is still
 * running. Without it a file that failed half-way through its set-up (one of several things
 * started together with Promise.all failing) lost the handles of the others, and a leaked
 * worker went on polling a closed server through the rest of the run, keeping jest alive.
 *
 * Every test file runs in jest's one process (maxWorkers: 1), each with its own module
 * registry, so this list is per file. The benchmarks use the same helpers outside jest, where
 * they stop what they start themselves.
 */
import type { Server } from 'node:net';

const running: Array<() => Promise<void>> = [];

if (typeof afterAll === 'function') {
  afterAll(async () => {
    const failures: unknown[] = [];
    for (const stop of running.splice(0).reverse()) await stop().catch((err: unknown) => failures.push(err));
    if (failures.length) throw new AggregateError(failures, `stopping what the tests started: ${failures.map(String).join('; ')}`);
  }, 60_000);
}

/** Registers how to stop `thing` at the end of the file, and returns it. */
export function track<T>(thing: T, stop: (thing: T) => Promise<unknown> | unknown): T {
  register(() => stop(thing));
  return thing;
}

/** Registers a stop for the end of the file; returns it, to call earlier if need be (it runs once). */
export function register(stop: () => Promise<unknown> | unknown): () => Promise<void> {
  let done: Promise<void> | undefined;
  const once = () => (done ??= Promise.resolve().then(stop).then(() => undefined));
  running.push(once);
  return once;
}

/**
 * Stops a worker and waits for its run to end, at most `withinMs`. Under a loaded machine the
 * SDK's shutdown has been seen to throw ("Workflow execution context should have been disposed
 * first") and leave its run pending for ever: the stop then fails the file naming the worker,
 * rather than waiting on it, and jest's forceExit (jest.config.js) ends the run once reported.
 * A run that fails fails the stop (pass `run.catch(...)` where the test already reported it).
 */
export async function stopWorker(worker: { getState(): string; shutdown(): void }, run: Promise<unknown>, withinMs = 30_000): Promise<void> {
  if (worker.getState() === 'RUNNING') worker.shutdown();
  let timer: NodeJS.Timeout | undefined;
  const overdue = new Promise<'overdue'>((ok) => (timer = setTimeout(() => ok('overdue'), withinMs)));
  try {
    const ended = await Promise.race([run.then(() => 'stopped' as const), overdue]);
    if (ended === 'overdue') throw new Error(`a worker did not stop within ${withinMs} ms of its shutdown (state ${worker.getState()})`);
  } finally {
    clearTimeout(timer);
  }
}

/** Closes a server and every connection it holds (an HTTP keep-alive one would keep it open); done at once if there is none. */
export async function closeServer(server: Server | undefined): Promise<void> {
  if (!server?.listening) return;
  (server as Server & { closeAllConnections?: () => void }).closeAllConnections?.();
  await new Promise((ok) => server.close(ok));
}

/**
 * Promise.all for starting things together, except that it settles only once every start has
 * (so each has registered its stop) before failing with the first error: a fast failure must
 * not leave a slow start to finish, unregistered, after the file's teardown ran.
 */
export async function startAll<T extends readonly unknown[]>(starts: { [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const settled = await Promise.allSettled(starts);
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((s) => (s as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

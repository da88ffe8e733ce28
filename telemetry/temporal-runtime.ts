import { once } from 'node:events';
import { createServer } from 'node:net';
import { Runtime, type RuntimeOptions } from '@temporalio/worker';

/** A free loopback port: the SDK's exporter takes a fixed address, and this process reads it there. */
async function freeLoopbackPort(): Promise<number> {
  const probe = createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as { port: number };
  await new Promise((done) => probe.close(done));
  return port;
}

/**
 * Installs the Temporal runtime (once per process, before any connection) with its Prometheus
 * exporter on a loopback port, so the process's `/metrics` can serve the SDK's metrics beside
 * Klaxon's (telemetry/exposition.ts). Durations in seconds and counters with `_total`, as
 * Prometheus names them. Returns the exporter's URL.
 */
export async function installTemporalRuntime(options: Omit<RuntimeOptions, 'telemetryOptions'> = {}): Promise<string> {
  const port = await freeLoopbackPort();
  Runtime.install({
    ...options,
    telemetryOptions: { metrics: { prometheus: { bindAddress: `127.0.0.1:${port}`, useSecondsForDurations: true, countersTotalSuffix: true, unitSuffix: true } } },
  });
  return `http://127.0.0.1:${port}/metrics`;
}

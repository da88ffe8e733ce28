import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:http';
import { createInterface } from 'node:readline';
import { SlackStandIn } from '../test/support/slack-stand-in';
import { pageOnce } from './page-once';
import { percentile } from './percentile';
import { runBench } from './run-bench';
import { startStackPaging } from './stack-with-slack';

/**
 * Issue 19's cost of observability on the page, measured so that the machine's own noise cannot
 * decide it: embedded stacks of this tree run side by side, each in its own process with its own
 * Temporal dev server, all paging one Slack stand-in here. "off" has no traces and no SDK metrics
 * exporter; "metrics" has the SDK's Prometheus exporter and no traces; "traced" has the exporter and OpenTelemetry traces of every alert
 * exported (http/protobuf) to a local OTLP sink that answers at once; "sampled" the same with the
 * standard head sampler keeping one trace in ten (OTEL_TRACES_SAMPLER=parentbased_traceidratio,
 * OTEL_TRACES_SAMPLER_ARG=0.1). Alerts go to each in turn, the order rotating every round, one
 * alert at a time with 100 ms between: whatever else the machine does at a moment, every arm
 * shares it. Klaxon's own prom-client counters are in all of them (they are in the code, not
 * switched by configuration).
 *   npx tsx bench/observability-ab.ts           (BENCH_ALERTS=1000 per arm by default)
 */
const ALERTS = Number(process.env.BENCH_ALERTS || 1000);
const WARMUP = 3;
const SECRET = 'whsec_bench';

interface Arm {
  name: string;
  child: ChildProcess;
  apiUrl: string;
  toSlack: number[];
  to202: number[];
}

/** The child: one stack, observed or not, until SIGTERM. */
async function child(): Promise<void> {
  const observe = process.env.BENCH_OBSERVE === '1';
  const bench = await startStackPaging({ url: process.env.BENCH_SLACK_URL!, token: process.env.BENCH_SLACK_TOKEN! }, { KLAXON_WEBHOOK_SECRET: SECRET }, { sdkMetrics: observe });
  process.stdout.write(`ready ${bench.stack.apiUrl}\n`);
  await once(process, 'SIGTERM');
  await bench.stop();
}

/** An OTLP/HTTP sink: takes every export and answers 200 at once (so what is measured is Klaxon's cost of tracing, not a collector's), counting what it took. */
async function otlpSink(): Promise<{ url: string; taken(): string; close(): void }> {
  let requests = 0;
  let bytes = 0;
  const server = createServer((req, res) => {
    req.on('data', (c: Buffer) => (bytes += c.length));
    req.on('end', () => {
      requests += 1;
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  }).listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, taken: () => `${requests} export requests, ${(bytes / 1024).toFixed(0)} KiB of spans`, close: () => server.close() };
}

async function startArm(name: Arm['name'], env: NodeJS.ProcessEnv): Promise<Arm> {
  const proc = spawn(process.execPath, ['--import', 'tsx', __filename, 'child'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: proc.stdout! });
  const apiUrl = await new Promise<string>((resolve, reject) => {
    proc.once('exit', (code) => reject(new Error(`the "${name}" stack exited (${code}) before it was ready`)));
    // Everything else the stack prints (its JSON log lines) is read and dropped.
    lines.on('line', (line) => line.startsWith('ready ') && resolve(line.slice('ready '.length)));
  });
  return { name, child: proc, apiUrl, toSlack: [], to202: [] };
}

async function main(): Promise<void> {
  const slack = new SlackStandIn('xoxb-bench');
  await slack.start();
  const sink = await otlpSink();
  const base: NodeJS.ProcessEnv = { ...process.env, BENCH_SLACK_URL: slack.url, BENCH_SLACK_TOKEN: slack.token };
  for (const k of Object.keys(base)) if (k.startsWith('OTEL_')) delete base[k];
  const arms: Arm[] = [];
  try {
    // One after the other: two dev servers starting at once would slow each other's start only.
    arms.push(await startArm('off', base));
    arms.push(await startArm('metrics', { ...base, BENCH_OBSERVE: '1' }));
    const observed = { ...base, BENCH_OBSERVE: '1', OTEL_EXPORTER_OTLP_ENDPOINT: sink.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf', OTEL_SERVICE_NAME: 'klaxon-bench' };
    arms.push(await startArm('traced', observed));
    arms.push(await startArm('sampled', { ...observed, OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.1' }));
    const started = new Date();
    for (let i = 0; i < WARMUP + ALERTS; i++) {
      for (const arm of [...arms.slice(i % arms.length), ...arms.slice(0, i % arms.length)]) {
        const t = await pageOnce(arm.apiUrl, slack, SECRET, i);
        if (i >= WARMUP) {
          arm.toSlack.push(t.toSlack);
          arm.to202.push(t.to202);
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    report(arms, started);
    console.log(`otlp sink: ${sink.taken()}`);
  } finally {
    for (const arm of arms) arm.child.kill('SIGTERM');
    await Promise.all(arms.map((a) => (a.child.exitCode === null ? once(a.child, 'exit') : undefined)));
    sink.close();
    await slack.stop();
  }
}

function report(arms: Arm[], started: Date): void {
  const p = (xs: number[], q: number) => percentile([...xs].sort((a, b) => a - b), q);
  const [off] = arms;
  const cell = (xs: number[], base: number[], q: number) => `${p(xs, q).toFixed(1)} ms${xs === base ? '' : ` (${(p(xs, q) / p(base, q)).toFixed(2)} ×)`}`;
  console.log(`observability, interleaved, ${ALERTS} alerts per arm (${started.toISOString()} to ${new Date().toISOString()}); ratios to "off":`);
  for (const [what, f] of [['alert POST → page', (a: Arm) => a.toSlack], ['alert POST → 202', (a: Arm) => a.to202]] as const) {
    for (const arm of arms) console.log(`${what.padEnd(18)} ${arm.name.padEnd(8)} p50 ${cell(f(arm), f(off), 50)}, p95 ${cell(f(arm), f(off), 95)}, p99 ${cell(f(arm), f(off), 99)}`);
  }
}

runBench(process.argv[2] === 'child' ? child : main);

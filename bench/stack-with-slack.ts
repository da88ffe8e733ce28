import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { startEmbeddedStack, type EmbeddedStack } from '../scripts/embedded-stack';
import { isolatedStackEnv } from '../test/support/processes';
import { SlackStandIn } from '../test/support/slack-stand-in';
import { installTemporalRuntime } from '../telemetry/temporal-runtime';
import { startTracing } from '../telemetry/tracing';

/**
 * The embedded stack in a fresh data directory, paging a Slack stand-in: what the benchmarks
 * measure. Observability as `npm start` has it: the SDK's metrics exporter always, traces when
 * the OTEL_* variables ask for them (bench/observability-ab.ts).
 */
export async function startStackWithSlack(env: Record<string, string> = {}): Promise<{ stack: EmbeddedStack; slack: SlackStandIn; stop(): Promise<void> }> {
  const slack = new SlackStandIn('xoxb-bench');
  await slack.start();
  const bench = await startStackPaging(slack, env);
  return {
    stack: bench.stack,
    slack,
    async stop() {
      await bench.stop();
      await slack.stop();
    },
  };
}

/**
 * The embedded stack in a fresh data directory, paging the Slack API at `slack` (a stand-in,
 * possibly in another process). `sdkMetrics: false` leaves the Temporal runtime without its
 * Prometheus exporter (bench/observability-ab.ts's arm without observability).
 */
export async function startStackPaging(slack: { url: string; token: string }, env: Record<string, string> = {}, options: { sdkMetrics?: boolean } = {}): Promise<{ stack: EmbeddedStack; stop(): Promise<void> }> {
  const logger = new DefaultLogger('ERROR');
  const sdkMetricsUrl = options.sdkMetrics === false ? (Runtime.install({ logger }), undefined) : await installTemporalRuntime({ logger });
  startTracing(process.env, 'klaxon-bench');
  const dataDir = mkdtempSync(join(tmpdir(), 'klaxon-bench-'));
  const stack = await startEmbeddedStack({
    ...(await isolatedStackEnv(dataDir)),
    SLACK_BOT_TOKEN: slack.token,
    SLACK_API_URL: slack.url,
    KLAXON_SLACK_CHANNEL: 'C0BENCH',
    ...env,
  }, sdkMetricsUrl ? { sdkMetricsUrl } : {});
  return {
    stack,
    async stop() {
      await stack.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

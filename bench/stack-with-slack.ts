import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DefaultLogger } from '@temporalio/worker';
import { startEmbeddedStack, type EmbeddedStack } from '../scripts/embedded-stack';
import { isolatedStackEnv } from '../test/support/processes';
import { SlackStandIn } from '../test/support/slack-stand-in';
import { installTemporalRuntime } from '../telemetry/temporal-runtime';
import { startTracing } from '../telemetry/tracing';

/**
 * The embedded stack in a fresh data directory, paging a Slack stand-in: what the benchmarks
 * measure. Observability as `npm start` has it: the SDK's metrics exporter always, traces when
 * the OTEL_* variables ask for them (bench/observability.sh).
 */
export async function startStackWithSlack(env: Record<string, string> = {}): Promise<{ stack: EmbeddedStack; slack: SlackStandIn; stop(): Promise<void> }> {
  const sdkMetricsUrl = await installTemporalRuntime({ logger: new DefaultLogger('ERROR') });
  startTracing(process.env, 'klaxon-bench');
  const slack = new SlackStandIn('xoxb-bench');
  await slack.start();
  const dataDir = mkdtempSync(join(tmpdir(), 'klaxon-bench-'));
  const stack = await startEmbeddedStack({
    ...(await isolatedStackEnv(dataDir)),
    SLACK_BOT_TOKEN: slack.token,
    SLACK_API_URL: slack.url,
    KLAXON_SLACK_CHANNEL: 'C0BENCH',
    ...env,
  }, { sdkMetricsUrl });
  return {
    stack,
    slack,
    async stop() {
      await stack.stop();
      await slack.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

import { join } from 'node:path';
import { installTemporalRuntime } from '../telemetry/temporal-runtime';
import { startTracing, stopTracing } from '../telemetry/tracing';
import { componentLogger, TemporalLogBridge } from '../telemetry/log';

const log = componentLogger('stack');
import { keepServingOnUncaughtErrors } from '../client/api/crash-guard';
import { shown } from '../client/cli/reachability';
import { ledgerPasswordPath, removeStackFile } from '../client/cli/stack-file';
import { startEmbeddedStack } from './embedded-stack';

/** `npm start`: the embedded stack, with Ctrl-C stopping it cleanly. */
async function main(): Promise<void> {
  // This process owns Ctrl-C: the stack stops the API first, then the worker, the ledger and Temporal.
  // Its Prometheus exporter feeds the API's /metrics with the SDK's metrics (the worker runs here too).
  const sdkMetricsUrl = await installTemporalRuntime({ shutdownSignals: [], logger: new TemporalLogBridge('WARN') });
  // One request's escaped error must not take the worker and the PGlite ledger down with the API.
  keepServingOnUncaughtErrors();
  // Traces when the OTEL_* variables ask for them, from the API's requests through the worker's activities.
  startTracing(process.env, 'klaxon');
  const stack = await startEmbeddedStack(process.env, { sdkMetricsUrl });
  let stopping = false;
  const stop = async (code: number): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log.info('stopping…');
    await stack.stop();
    await stopTracing();
    process.exit(code);
  };
  // `on`, not `once`: a second Ctrl-C while stopping (or the one npm passes on) must not kill the
  // process halfway, leaving the Temporal server and .data/stack.json behind; the stop ends
  // within 10 s anyway.
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
  // SIGHUP re-reads the policy and rules files at once, as the API process does.
  process.on('SIGHUP', () => void stack.reload());
  // Whatever ends the process (an exit elsewhere), the CLI must not be sent to a stack that is gone.
  process.once('exit', () => removeStackFile(stack.config.dataDir, process.pid));

  const { config } = stack;
  console.log(`
Klaxon is running (Ctrl-C stops everything; open incidents resume on the next start).

  API             ${stack.apiUrl}   (POST /v1/alerts/generic, POST /v1/alerts/nextjs, POST /v1/slack/interactions, …)
  Console         ${stack.apiUrl}/console   (sign in with a personal token, below)
  Metrics         ${stack.apiUrl}/metrics   (Prometheus: the API's, the worker's and the Temporal SDK's)
  Temporal gRPC   ${stack.temporalAddress}
  Temporal UI     ${stack.temporalUiUrl}
  Ledger          ${shown(stack.databaseUrl)}${process.env.DATABASE_URL ? '' : `   (PGlite under ${join(config.dataDir, 'ledger')}, password in ${ledgerPasswordPath(config.dataDir)})`}
  Slack           ${config.slack.botToken ? `Slack API, channel ${config.slack.channel}` : `outbox ${join(config.outboxDir, 'slack')} (set SLACK_BOT_TOKEN for real Slack)`}
  PagerDuty       ${Object.keys(config.pagerduty.routingKeys).length ? `services ${Object.keys(config.pagerduty.routingKeys).join(', ')}` : 'none (set PAGERDUTY_ROUTING_KEYS)'}
  Email           ${config.email.smtpUrl ? config.email.smtpUrl.replace(/\/\/[^@]*@/, '//…@') : `outbox ${join(config.outboxDir, 'email')} (set SMTP_URL for a mail server)`}
  Responders      ${config.policies.policies[0].responders.map((r) => `${r.name} (${[r.slackUserId ?? 'no Slack id', ...(r.roles ?? [])].join(', ')})`).join(', ')}
${stack.webhookSecretFile ? `  Webhook secret  in ${stack.webhookSecretFile}   (generated; klaxon alert test signs with it)\n` : ''}
Fire a signed test alert, then look at it:
  npx klaxon alert test
  npx klaxon incidents list
  npx klaxon ack <incident-id> --as ${config.policies.policies[0].responders[0].name}

A token for the console (shown once), acting as ${config.policies.policies[0].responders[0].name}:
  npx klaxon tokens create --name ${config.policies.policies[0].responders[0].name}-console --scope incidents:read --scope audit:read --scope incidents:write --as ${config.policies.policies[0].responders[0].name} --days 30
`);
  const reason = await stack.failed;
  log.error(`${reason.message}; stopping`);
  await stop(1);
}

main().catch((err: Error) => {
  log.fatal(`klaxon: ${err.message}`);
  process.exit(1);
});

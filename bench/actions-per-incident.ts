import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectIncidents } from '../client/connect';
import { EdgeConfigStandIn } from '../test/support/edge-config-stand-in';
import { SEV1, SEV2 } from './actions/cases';
import { printCase } from './actions/count';
import { runCase } from './actions/incident-run';
import { EDGE_CONFIG_ID, EDGE_TOKEN, writeActionsConfiguration } from './actions/setup';
import { startStackWithSlack } from './stack-with-slack';
import { runBench } from './run-bench';

/**
 * Temporal actions incidents cost, counted from their histories the way Temporal Cloud bills
 * actions, each next to the fewest actions a design could do it with (bench/actions/cases.ts):
 * (a) the standard SEV2 (level 1 paged, no answer, level 2 paged, acknowledged there, resolved);
 * (b) a SEV1 with personal data of an EU tenant: isolated automatically, GDPR Art. 33's clock
 *     started, acknowledged at level 1, resolved (isolation undone), the notification filed.
 * Both run on one stack, one after the other.
 *   npx tsx bench/actions-per-incident.ts
 */
const SECRET = 'whsec_bench';

async function main(): Promise<void> {
  const edge = new EdgeConfigStandIn(EDGE_TOKEN);
  await edge.start();
  edge.create(EDGE_CONFIG_ID);
  const dir = mkdtempSync(join(tmpdir(), 'klaxon-actions-'));
  const bench = await startStackWithSlack({ KLAXON_WEBHOOK_SECRET: SECRET, ...writeActionsConfiguration(dir, edge.url) });
  const connected = await connectIncidents(bench.stack.config);
  try {
    const summary: string[] = [];
    for (const c of [SEV2, SEV1]) {
      const { incidentId, events } = await runCase(c, { ...bench, connected, secret: SECRET });
      const { actual, minimal } = printCase(`${c.title} (${incidentId})`, events, c.minimal);
      summary.push(`${c.alert.severity}: ${actual} actions, minimal ${minimal}, ${(actual / minimal).toFixed(2)} ×`);
    }
    console.log(`\n${summary.join('\n')}`);
  } finally {
    await connected.connection.close();
    await bench.stop();
    await edge.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

runBench(main);

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { temporal } from '@temporalio/proto';
import { bundleWorkflowCode, DefaultLogger, Worker } from '@temporalio/worker';
import { sharedModulesBundlerOptions } from '../../worker/shared-workflow-modules';
import { installTestRuntime } from '../support/runtime';

/**
 * Replays recorded histories of earlier incident-workflow (and heartbeat watch) versions against today's code: a
 * change that running incidents would trip over (nondeterminism) fails here, and must go
 * behind `patched()` instead. Histories are recorded with `record-histories.ts`.
 */
const dir = join(__dirname, 'histories');
const files = readdirSync(dir).filter((f) => f.endsWith('.binpb'));

it('has recorded histories to replay', () => {
  expect(files.length).toBeGreaterThan(0);
});

it('replays every recorded history without nondeterminism', async () => {
  installTestRuntime();
  const workflowBundle = await bundleWorkflowCode({ workflowsPath: require.resolve('../../workflows/registered'), ...sharedModulesBundlerOptions(), logger: new DefaultLogger('WARN') });
  const histories = files.map((f) => ({ workflowId: f, history: temporal.api.history.v1.History.decode(readFileSync(join(dir, f))) }));
  const failures: string[] = [];
  for await (const result of Worker.runReplayHistories({ workflowBundle }, histories)) {
    if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
  }
  expect(failures).toEqual([]);
});

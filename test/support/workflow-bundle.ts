import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleWorkflowCode, DefaultLogger, type WorkflowBundle } from '@temporalio/worker';
import { sharedModulesBundlerOptions } from '../../worker/shared-workflow-modules';

/**
 * Today's workflow code as the worker bundles it (workflows/registered: every workflow it runs).
 * Bundled once per jest run: the first test file that asks writes the code to the run's own
 * directory (KLAXON_TEST_RUN_DIR, made by the global set-up, removed by its teardown), and the
 * files after it read it back. The sources cannot change during a run, so every file runs the
 * code it would have bundled itself; bundling it again cost each of some forty files 2–3 s of
 * webpack. Outside a jest run (no run directory) it is bundled on every call.
 * test/workflow/bundle.test.ts and replay.test.ts bundle on their own: bundling is what they test.
 */
export async function todaysWorkflowBundle(): Promise<WorkflowBundle> {
  const runDir = process.env.KLAXON_TEST_RUN_DIR;
  const cached = runDir ? join(runDir, 'workflow-bundle.js') : undefined;
  if (cached) {
    try {
      return { code: readFileSync(cached, 'utf8') };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve('../../workflows/registered'), ...sharedModulesBundlerOptions(), logger: new DefaultLogger('WARN') });
  if (cached) {
    // Written whole under another name first: a reader never sees half a bundle.
    writeFileSync(`${cached}.${process.pid}`, code);
    renameSync(`${cached}.${process.pid}`, cached);
  }
  return { code };
}

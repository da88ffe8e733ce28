import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { WorkflowBundle } from '@temporalio/worker';

/** A release's workflow code as scripts/freeze-workflow-bundle.ts froze it, by its short commit. */
export function frozenWorkflowBundle(commit: string): WorkflowBundle {
  return { code: gunzipSync(readFileSync(join(__dirname, '..', 'workflow', 'bundles', `${commit}.js.gz`))).toString('utf8') };
}

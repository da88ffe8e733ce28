import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findTemporalBinary } from '../../scripts/temporal-binaries';

/**
 * Finds (or installs once) the Temporal binaries before any test file runs, and hands their
 * paths to the test workers through the environment, with a directory of the run's own for
 * what its files share (test/support/workflow-bundle.ts), removed by the global teardown.
 */
export default async function globalSetup(): Promise<void> {
  process.env.TEMPORAL_CLI_PATH = findTemporalBinary('cli');
  process.env.TEMPORAL_TEST_SERVER_PATH = findTemporalBinary('testServer');
  process.env.KLAXON_TEST_RUN_DIR = mkdtempSync(join(tmpdir(), 'klaxon-test-run-'));
}

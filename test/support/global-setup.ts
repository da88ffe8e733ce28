import { findTemporalBinary } from '../../scripts/temporal-binaries';

/**
 * Finds (or installs once) the Temporal binaries before any test file runs, and hands their
 * paths to the test workers through the environment.
 */
export default async function globalSetup(): Promise<void> {
  process.env.TEMPORAL_CLI_PATH = findTemporalBinary('cli');
  process.env.TEMPORAL_TEST_SERVER_PATH = findTemporalBinary('testServer');
}

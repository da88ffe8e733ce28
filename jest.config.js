/** Tests are transformed by swc (fast, no type-check); `tsc --noEmit` in `npm test` type-checks. */
module.exports = {
  testEnvironment: 'node',
  // .sql: @klaxon/next imports its migration as text (esbuild's text loader in its build).
  transform: { '^.+\\.ts$': ['@swc/jest'], '^.+\\.sql$': '<rootDir>/test/support/next/sql-text-transform.js' },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  // The first start of a Temporal server and the first workflow bundle take seconds.
  testTimeout: 120_000,
  // Temporal servers and workers are heavy on a 2-core machine: run files one after another.
  maxWorkers: 1,
  // A worker whose SDK shutdown got stuck (seen under heavy load) holds native threads that keep
  // the process alive: its stop fails the file by name (test/support/teardown.ts stopWorker) and
  // the global teardown names any leaked socket or process, so ending the process then hides
  // nothing and keeps a failed run from hanging until CI's deadline.
  forceExit: true,
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
};

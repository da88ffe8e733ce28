/** Tests are transformed by swc (fast, no type-check); `tsc --noEmit` in `npm test` type-checks. */
module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['@swc/jest'] },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  // The first start of a Temporal server and the first workflow bundle take seconds.
  testTimeout: 120_000,
  // Temporal servers and workers are heavy on a 2-core machine: run files one after another.
  maxWorkers: 1,
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
};

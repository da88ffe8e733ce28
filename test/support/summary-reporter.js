/**
 * Keeps a plain `Tests: N passed, N failed[, N skipped]` line for the end of the run, so CI
 * and people can read the outcome without knowing jest's summary format. Jest prints its
 * own summary after every custom reporter, so the line is printed by the global teardown.
 */
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    globalThis.klaxonTestSummary = `Tests: ${results.numPassedTests} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`;
  }
}
module.exports = SummaryReporter;

/**
 * Keeps a plain `Tests: N passed, N failed[, N skipped]` line for the end of the run, so CI
 * and people can read the outcome without knowing jest's summary format. Its numbers are
 * jest's own "Tests:" numbers; a file that failed outside its tests (its set-up, its
 * teardown, or before any test ran) counts no test, so it is named after the numbers, and
 * the line then says the run failed even when no test did. Jest prints its own summary
 * after every custom reporter, so the line is printed by the global teardown (which adds
 * what the tests left running, if anything).
 */
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    const brokenFiles = results.testResults.filter((file) => file.testExecError || (file.failureMessage && file.numFailingTests === 0));
    const counts = `Tests: ${results.numPassedTests} passed, ${results.numFailedTests} failed${skipped ? `, ${skipped} skipped` : ''}`;
    const broken = brokenFiles.length ? `; ${brokenFiles.length} test file(s) failed outside their tests: ${brokenFiles.map((f) => f.testFilePath.replace(`${process.cwd()}/`, '')).join(', ')}` : '';
    globalThis.klaxonTestSummary = counts + broken;
  }
}
module.exports = SummaryReporter;

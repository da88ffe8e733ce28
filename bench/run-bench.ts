/**
 * Runs a benchmark's main and ends the process: on success once it returns (a stopped worker's
 * native runtime can keep Node alive), on failure with the error and exit code 1.
 */
export function runBench(main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}

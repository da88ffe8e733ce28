/** A mistake in how the CLI was called: the CLI exits 2 and shows the command's usage. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** A setting the command needs is missing: exits 2 like a usage error, naming the setting rather than the usage. */
export class SetupError extends UsageError {
  override name = 'SetupError';
}

/**
 * The command ran and found what its caller must act on (coverage gaps): its output is printed
 * as usual, on stdout (JSON with --json), and the CLI exits 1 so that a monitoring script notices.
 */
export class FindingsError extends Error {
  override name = 'FindingsError';
  constructor(readonly output: string) {
    super(output);
  }
}

/** A mistake in how the CLI was called: the CLI exits 2 and shows the command's usage. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** A setting the command needs is missing: exits 2 like a usage error, naming the setting rather than the usage. */
export class SetupError extends UsageError {
  override name = 'SetupError';
}

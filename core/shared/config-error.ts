/** Configuration that cannot work; the message names the variable to fix. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

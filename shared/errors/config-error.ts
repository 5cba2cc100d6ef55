/** A setting from the environment is missing or malformed; the process refuses to start. */
export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID'
  override readonly name = 'ConfigError'
  constructor(
    readonly variable: string,
    message: string
  ) {
    super(`${variable}: ${message}`)
  }
}

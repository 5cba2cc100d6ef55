import { ConfigError } from './errors/config-error.js'

/**
 * An entry point's `main().catch(exitOnStartError)`: what fails before the logger exists (a bad
 * environment variable) is said in one line and exits 1, instead of surfacing as an unhandled rejection.
 */
export function exitOnStartError(err: unknown): never {
  if (err instanceof ConfigError) console.error(`rollmaint: ${err.message}`)
  else console.error('rollmaint could not start:', err)
  process.exit(1)
}

import { CliHttpError, type ClientOptions } from './api-client.js'

export const DEFAULT_URL = 'http://127.0.0.1:8080'

export interface ConnectionFlags {
  url?: string | undefined
  apiKey?: string | undefined
  secretKey?: string | undefined
}

/**
 * Flags win over the environment. Pure (the environment is passed in), so it is unit tested.
 * Missing credentials are a usage error that names both ways to give them.
 */
export function resolveConnection(flags: ConnectionFlags, env: Record<string, string | undefined>): ClientOptions {
  const url = flags.url ?? env.ROLLMAINT_URL ?? DEFAULT_URL
  const apiKey = flags.apiKey ?? env.ROLLMAINT_API_KEY
  const secretKey = flags.secretKey ?? env.ROLLMAINT_SECRET_KEY
  if (!apiKey || !secretKey) {
    throw new CliHttpError(
      0,
      'no credentials: set --api-key and --secret-key (or ROLLMAINT_API_KEY and ROLLMAINT_SECRET_KEY)'
    )
  }
  // The URL is echoed without any `user:password@` part: a usage error must not print a secret.
  if (!/^https?:\/\/[^/]/.test(url))
    throw new CliHttpError(
      0,
      `--url must be an http(s) URL, got ${JSON.stringify(url.replace(/\/\/[^/@]*@/, '//[redacted]@'))}`
    )
  return { url, apiKey, secretKey }
}

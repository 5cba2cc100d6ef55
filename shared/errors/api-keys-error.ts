/** The API users file is unreadable or malformed; the API refuses to start (it never runs open). */
export class ApiKeysError extends Error {
  readonly code = 'API_KEYS_INVALID'
  override readonly name = 'ApiKeysError'
  constructor(
    readonly file: string,
    problems: string[]
  ) {
    super(`invalid API keys file ${file}:\n  - ${problems.join('\n  - ')}`)
  }
}

/** The host refused our credentials. Never retried: retrying cannot fix a wrong key and may lock the account. */
export class SshAuthError extends Error {
  readonly code = 'SSH_AUTH_FAILED'
  override readonly name = 'SshAuthError'
  readonly retryable = false
  constructor(
    readonly hostId: string,
    message: string
  ) {
    super(message)
  }
}

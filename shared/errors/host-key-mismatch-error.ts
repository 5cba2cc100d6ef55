/** The host offered a different key than the pinned or known one: possibly a reinstalled host, possibly an attacker. Never retried. */
export class HostKeyMismatchError extends Error {
  readonly code = 'HOST_KEY_MISMATCH'
  override readonly name = 'HostKeyMismatchError'
  readonly retryable = false
  constructor(
    readonly hostId: string,
    message: string
  ) {
    super(message)
  }
}

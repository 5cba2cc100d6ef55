/** The host's key is neither pinned (hostKey) nor in known_hosts; we never accept a key we cannot check. Never retried. */
export class HostKeyUnknownError extends Error {
  readonly code = 'HOST_KEY_UNKNOWN'
  override readonly name = 'HostKeyUnknownError'
  readonly retryable = false
  constructor(
    readonly hostId: string,
    message: string
  ) {
    super(message)
  }
}

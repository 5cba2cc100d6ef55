/** An established connection closed before a command finished; the stage keeps running on the host and can be re-attached. */
export class SshConnectionLostError extends Error {
  readonly code = 'SSH_CONNECTION_LOST'
  override readonly name = 'SshConnectionLostError'
  readonly retryable = true
  constructor(
    readonly hostId: string,
    message: string
  ) {
    super(message)
  }
}

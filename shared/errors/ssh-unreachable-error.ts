/** No SSH session could be set up (refused, timed out, unknown name, dropped during the handshake). */
export class SshUnreachableError extends Error {
  readonly code = 'SSH_UNREACHABLE'
  override readonly name = 'SshUnreachableError'
  readonly retryable = true
  constructor(
    readonly hostId: string,
    message: string
  ) {
    super(message)
  }
}

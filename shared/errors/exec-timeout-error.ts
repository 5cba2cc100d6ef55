/** A command run on a host (HostSession.exec) did not finish in time; it was killed on the host. */
export class ExecTimeoutError extends Error {
  readonly code = 'EXEC_TIMEOUT'
  override readonly name = 'ExecTimeoutError'
  readonly retryable = false
  constructor(
    readonly hostId: string,
    message: string
  ) {
    super(message)
  }
}

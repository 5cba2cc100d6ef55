/** The run already ended; there is nothing left to cancel, pause or resume (HTTP 409). */
export class RunFinishedError extends Error {
  readonly code = 'RUN_FINISHED'
  override readonly name = 'RunFinishedError'
  constructor(
    readonly runId: string,
    readonly status: string,
    /** What was asked: cancel, pause, resume. */
    action = 'cancel'
  ) {
    super(`run ${runId} already ended with status ${status}; there is nothing to ${action}`)
  }
}

/** The run already ended; there is nothing left to cancel (HTTP 409). */
export class RunFinishedError extends Error {
  readonly code = 'RUN_FINISHED'
  override readonly name = 'RunFinishedError'
  constructor(
    readonly runId: string,
    readonly status: string,
  ) {
    super(`run ${runId} already ended with status ${status}; there is nothing to cancel`)
  }
}

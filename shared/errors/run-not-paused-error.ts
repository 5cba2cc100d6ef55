/** Resume of a run that is not paused (HTTP 409). */
export class RunNotPausedError extends Error {
  readonly code = 'RUN_NOT_PAUSED'
  override readonly name = 'RunNotPausedError'
  constructor(
    readonly runId: string,
    readonly status: string
  ) {
    super(`run ${runId} is ${status}, not paused; there is nothing to resume`)
  }
}

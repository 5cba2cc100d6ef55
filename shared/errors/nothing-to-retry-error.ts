/** Retry of a run whose hosts all went through (HTTP 409). */
export class NothingToRetryError extends Error {
  readonly code = 'NOTHING_TO_RETRY'
  override readonly name = 'NothingToRetryError'
  constructor(
    readonly runId: string,
    detail = 'every host was updated or skipped by its own scripts (exit 70 or no Maintenance script)'
  ) {
    super(`run ${runId} has no host that failed, was skipped for a failure or never started: ${detail}`)
  }
}

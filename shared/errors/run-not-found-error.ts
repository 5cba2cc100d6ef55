export class RunNotFoundError extends Error {
  readonly code = 'RUN_NOT_FOUND'
  override readonly name = 'RunNotFoundError'
  constructor(readonly runId: string) {
    super(`no rolling maintenance run with id ${runId} (runs are kept for the configured retention, 7 days by default)`)
  }
}

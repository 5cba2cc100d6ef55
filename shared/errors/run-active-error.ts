/** Retry of a run that has not ended yet (HTTP 409): its hosts are still its own. */
export class RunActiveError extends Error {
  readonly code = 'RUN_ACTIVE'
  override readonly name = 'RunActiveError'
  constructor(
    readonly runId: string,
    readonly status: string
  ) {
    super(`run ${runId} is still ${status}; retry it once it has ended (cancel it first to stop it now)`)
  }
}

/**
 * A stage may have run on the host but its end was not seen (executor `direct` lost its connection,
 * or a worker taking over finds the stage already claimed). It is never started again (docs/stage-scripts.md#executors);
 * for Maintenance the host goes to ErrorInMaintenance for an operator to check (docs/user-guide.md#exiting-maintenance-mode).
 */
export class StageOutcomeUnknownError extends Error {
  readonly code = 'STAGE_OUTCOME_UNKNOWN'
  override readonly name = 'StageOutcomeUnknownError'
  readonly retryable = false
  constructor(
    readonly hostId: string,
    message: string
  ) {
    super(message)
  }
}

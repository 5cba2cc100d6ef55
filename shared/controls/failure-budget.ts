/**
 * docs/api.md#operator-controls `maxFailures`: up to N host failures are handled as with `forced` (the host is skipped with
 * its reason); the next one stops the run as in 3.6. `forced` means no limit.
 */
export interface FailureBudget {
  forced: boolean
  /** Default 0: the first failure stops the run, as in v1. */
  maxFailures: number
}

export type FailureDecision = 'skip' | 'stop'

/**
 * `failuresSoFar` counts this failure too (the caller increments one shared counter atomically and
 * passes what it returned), so two clusters failing at once cannot both take the last slot. Pure.
 */
export function decideFailure(budget: FailureBudget, failuresSoFar: number): FailureDecision {
  if (budget.forced) return 'skip'
  return failuresSoFar <= budget.maxFailures ? 'skip' : 'stop'
}

/** What progress shows: `null` = unlimited (forced). */
export function failureLimit(budget: FailureBudget): number | null {
  return budget.forced ? null : budget.maxFailures
}

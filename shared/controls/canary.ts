/**
 * docs/api.md#operator-controls `canary: N`: after the first N hosts of the run are updated, the run pauses itself once.
 * Hosts of other clusters already inside their cycle finish it (controls act at host boundaries
 * only), so with parallel clusters more than N hosts may be updated by the time the run is paused.
 */
export interface CanaryState {
  /** The `canary` field of the request; undefined = no canary. */
  size: number | undefined
  /** Hosts updated so far (the run's `updated` counter, including the host that just finished). */
  updated: number
  /** The canary pause has already happened (a resumed run does not pause again). */
  alreadyPaused: boolean
}

/** True exactly when this update is the one that completes the canary. Pure. */
export function canaryPauseDue(s: CanaryState): boolean {
  return s.size !== undefined && !s.alreadyPaused && s.updated >= s.size
}

/**
 * Bad input: a canary must be at least 1 and not larger than the run (otherwise it would never
 * trigger and the operator's intent to stop after a sample would silently not happen).
 */
export function canaryProblem(canary: number | undefined, hostsInRun: number): string | undefined {
  if (canary === undefined) return undefined
  if (!Number.isInteger(canary) || canary < 1)
    return `canary must be a whole number of hosts, at least 1 (got ${canary})`
  if (canary > hostsInRun)
    return `canary is ${canary} but the run has only ${hostsInRun} host${hostsInRun === 1 ? '' : 's'}`
  return undefined
}

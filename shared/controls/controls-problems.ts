import { canaryProblem } from './canary.js'
import { windowProblems } from './maintenance-window.js'
import type { RunRequest } from '../types.js'

export const MAX_FAILURES_LIMIT = 100_000
export const MAX_SOAK_SECONDS = 604_800

const wholeIn = (name: string, v: number | undefined, min: number, max: number): string | undefined =>
  v === undefined || (Number.isInteger(v) && v >= min && v <= max)
    ? undefined
    : `${name} must be a whole number between ${min} and ${max} (got ${v})`

/**
 * Controls (docs/api.md#operator-controls), checked once the scope is known (canary is bounded by the run's size). The REST
 * schema already refuses wrong types; this also guards callers that bypass it. Pure; every problem
 * is named so the operator can fix them all at once.
 */
export function controlsProblems(request: RunRequest, hostsInRun: number): string[] {
  const problems = [
    wholeIn('maxFailures', request.maxFailures, 0, MAX_FAILURES_LIMIT),
    wholeIn('soakSeconds', request.soakSeconds, 0, MAX_SOAK_SECONDS),
    canaryProblem(request.canary, hostsInRun)
  ].filter((p): p is string => p !== undefined)
  if (request.window) problems.push(...windowProblems(request.window))
  return problems
}

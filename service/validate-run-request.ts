import { controlsProblems } from '../shared/controls/controls-problems.js'
import { ControlsError } from '../shared/errors/controls-error.js'
import { ScopeError } from '../shared/errors/scope-error.js'
import { payloadProblem, timeoutProblem } from '../shared/request-limits.js'
import type { Inventory, RunRequest } from '../shared/types.js'
import { resolveScope, type ResolvedScope } from './resolve-scope.js'

/**
 * Everything about a request that can be checked without Redis, for a start, a dry run and a
 * retry alike (the REST schema checks types first; the CloudStack endpoint relies on this). Pure.
 */
export function validateRunRequest(inventory: Inventory, request: RunRequest): ResolvedScope {
  const scope = resolveScope(inventory, request)
  const limitProblem = payloadProblem(request.payload) ?? timeoutProblem(request.timeout)
  if (limitProblem) throw new ScopeError(limitProblem)
  const problems = controlsProblems(request, scope.hostIds.length)
  if (problems.length > 0) throw new ControlsError(problems)
  return scope
}

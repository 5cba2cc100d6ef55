import { controlsProblems } from '../shared/controls/controls-problems.js'
import { ControlsError } from '../shared/errors/controls-error.js'
import { ScopeError } from '../shared/errors/scope-error.js'
import type { Inventory, RunRequest } from '../shared/types.js'
import { resolveScope, type ResolvedScope } from './resolve-scope.js'

const MAX_PAYLOAD_BYTES = 64 * 1024

/**
 * Everything about a request that can be checked without Redis, for a start, a dry run and a
 * retry alike (the REST schema checks types first; the CloudStack endpoint relies on this). Pure.
 */
export function validateRunRequest(inventory: Inventory, request: RunRequest): ResolvedScope {
  const scope = resolveScope(inventory, request)
  if (request.payload !== undefined) {
    if (request.payload.includes('\0')) throw new ScopeError('payload must not contain a NUL byte')
    if (Buffer.byteLength(request.payload) > MAX_PAYLOAD_BYTES) throw new ScopeError('payload is larger than 64 KiB')
  }
  if (request.timeout !== undefined && (!Number.isInteger(request.timeout) || request.timeout < 1 || request.timeout > 604_800)) {
    throw new ScopeError('timeout must be a whole number of seconds between 1 and 604800')
  }
  const problems = controlsProblems(request, scope.hostIds.length)
  if (problems.length > 0) throw new ControlsError(problems)
  return scope
}

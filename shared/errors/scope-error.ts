/** The request does not name a usable set of hosts (no scope, unknown id, empty result, bad value). */
export class ScopeError extends Error {
  readonly code = 'SCOPE_INVALID'
  override readonly name = 'ScopeError'
}

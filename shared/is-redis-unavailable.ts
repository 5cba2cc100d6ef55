// What ioredis and Redis say while no master can take a command: the connection is down or being
// re-established, a Sentinel/Cluster failover is in progress, or we still talk to a demoted master.
const UNAVAILABLE_NAMES = new Set(['MaxRetriesPerRequestError', 'ClusterAllFailedError'])
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN'
])
const UNAVAILABLE_MESSAGES = [
  /^Connection is closed/,
  /^Stream isn't writeable/,
  /^All sentinels are unreachable/,
  /^None of (the )?startup nodes is available/i,
  /^Failed to refresh slots cache/,
  /^(READONLY|CLUSTERDOWN|TRYAGAIN|LOADING|MASTERDOWN|NOREPLICAS)\b/,
  // A Cluster redirect that reached us: the slot map is changing (a failover), not a bug.
  /^(MOVED|ASK) \d+ /,
  /^connect ETIMEDOUT/
]

/** True when an error means "Redis has no reachable master right now", not a bug or bad input. */
export function isRedisUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false
  const { code } = err as Error & { code?: unknown }
  if (UNAVAILABLE_NAMES.has(err.name)) return true
  if (typeof code === 'string' && UNAVAILABLE_CODES.has(code)) return true
  if (UNAVAILABLE_MESSAGES.some((re) => re.test(err.message))) return true
  // A MULTI whose queued commands met the above ends in EXECABORT, carrying them in `previousErrors`.
  const previous = (err as Error & { previousErrors?: unknown }).previousErrors
  if (
    err.message.startsWith('EXECABORT') &&
    Array.isArray(previous) &&
    previous.some((e) => e !== err && isRedisUnavailable(e))
  )
    return true
  // ioredis wraps the last node error of a Cluster command in `lastNodeError`.
  const last = (err as Error & { lastNodeError?: unknown }).lastNodeError
  return last !== undefined && last !== err && isRedisUnavailable(last)
}

import type { RedisClient } from '../connection.js'
import type { RedisKeys } from '../keys.js'

/**
 * `maxFailures` (docs/api.md#failure-budget-and-canary): one counter per run for every host failure (host checks, PreFlight, cycle
 * steps, gates), incremented atomically, so two clusters failing at once cannot both take the last
 * slot of the budget. Returns the count including this failure.
 */
export async function countHostFailure(redis: RedisClient, keys: RedisKeys, runId: string): Promise<number> {
  return redis.hincrby(keys.run(runId), 'failures', 1)
}

/**
 * Host-check failures are counted once, when the run starts, before any PreFlight can count; set
 * only if absent, so a repeated start step (after a crash) leaves the count as it was.
 */
export async function setHostCheckFailures(
  redis: RedisClient,
  keys: RedisKeys,
  runId: string,
  count: number
): Promise<void> {
  await redis.hsetnx(keys.run(runId), 'failures', count)
}

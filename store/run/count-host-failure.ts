import type { RedisClient } from '../connection.js'
import { leaseValue, type LeaseRef } from '../cluster/lease-ref.js'
import type { RedisKeys } from '../keys.js'
import { luaScript } from '../lua-script.js'

// A cluster job counts only while it holds its cluster's lease: a worker that lost it must not
// spend the run's failure budget (issue 11, item 5).
const countLua = luaScript(`
if #KEYS == 2 and redis.call('GET', KEYS[2]) ~= ARGV[1] then return -1 end
return redis.call('HINCRBY', KEYS[1], 'failures', 1)
`)

/**
 * maxFailures (docs/api.md#failure-budget-and-canary): one counter per run for every host failure
 * (host checks, PreFlight, cycle steps, gates), incremented atomically, so two clusters failing at
 * once cannot both take the last slot of the budget. Returns the count including this failure, or
 * 'lease-lost' when `lease` (a cluster job's) is no longer held.
 */
export async function countHostFailure(
  redis: RedisClient,
  keys: RedisKeys,
  runId: string,
  lease?: LeaseRef
): Promise<number | 'lease-lost'> {
  const reply = lease
    ? await countLua(redis, [keys.run(runId), keys.clusterLease(lease.clusterId)], [leaseValue(lease)])
    : await countLua(redis, [keys.run(runId)], [])
  return reply === -1 ? 'lease-lost' : Number(reply)
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

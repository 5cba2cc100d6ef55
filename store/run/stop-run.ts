import type { RedisClient } from '../connection.js'
import { leaseValue, type LeaseRef } from '../cluster/lease-ref.js'
import type { RedisKeys } from '../keys.js'
import { luaScript } from '../lua-script.js'

// A cluster job stops the run only while it still holds its cluster's lease: a worker that lost
// it while paused must not stop a run another worker now drives (issue 11, item 5).
const stopLua = luaScript(`
if #KEYS == 2 and redis.call('GET', KEYS[2]) ~= ARGV[2] then return 'lease-lost' end
redis.call('HSETNX', KEYS[1], 'stopReason', ARGV[1])
return 'stopped'
`)

/** 'stopped' also when an earlier reason was already set (the first reason wins). */
export type StopRunOutcome = 'stopped' | 'lease-lost'

/**
 * From now on no new host starts in any cluster of the run (docs/user-guide.md#failures-after-preflight).
 * The first reason wins. Fenced by `lease` when given (cluster jobs); the run and PreFlight jobs stop it plainly.
 */
export async function stopRun(
  redis: RedisClient,
  keys: RedisKeys,
  runId: string,
  reason: string,
  lease?: LeaseRef
): Promise<StopRunOutcome> {
  const reply = lease
    ? await stopLua(redis, [keys.run(runId), keys.clusterLease(lease.clusterId)], [reason, leaseValue(lease)])
    : await stopLua(redis, [keys.run(runId)], [reason])
  return reply === 'lease-lost' ? 'lease-lost' : 'stopped'
}

import type { RedisClient } from '../connection.js'
import type { RedisKeys } from '../keys.js'
import { luaScript } from '../lua-script.js'

// KEYS: routes, worker registry. ARGV: clusterId, cluster index, silence limit ms, shared queue.
// The first decision for an index is final (a retried add must reach the queue the job may already
// be in: BullMQ deduplicates job ids within one queue only), unless that queue was forgotten,
// which happens only to a queue found empty after a long silence.
const routeLua = luaScript(`
local field = 'cl:' .. ARGV[2]
local known = redis.call('HGET', KEYS[1], field)
if known and (known == ARGV[4] or redis.call('ZSCORE', KEYS[2], known)) then return known end
local chosen = ARGV[4]
local preferred = redis.call('HGET', KEYS[1], 'pf:' .. ARGV[1])
if preferred then
  local score = redis.call('ZSCORE', KEYS[2], preferred)
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  if score and now - tonumber(score) < tonumber(ARGV[3]) then chosen = preferred end
end
redis.call('HSET', KEYS[1], field, chosen)
return chosen
`)

/**
 * The queue a run's cluster job goes to (docs/operations.md#cluster-job-affinity): the queue of the
 * worker that ran the cluster's PreFlight while that worker beats (it holds the hosts' SSH sessions),
 * the shared hosts queue otherwise. Recorded, so a retry and the API's wake-up find the same queue.
 */
export async function routeClusterJob(
  redis: RedisClient,
  keys: RedisKeys,
  route: { runId: string; clusterId: string; index: number; silentAfterMs: number; sharedQueue: string }
): Promise<string> {
  return (await routeLua(
    redis,
    [keys.runRoutes(route.runId), keys.workerQueues()],
    [route.clusterId, route.index, route.silentAfterMs, route.sharedQueue]
  )) as string
}

import type { RedisClient } from '../connection.js'
import type { RedisKeys } from '../keys.js'
import { luaScript } from '../lua-script.js'

// Scored with Redis's own clock, not the worker's: workers on different machines compare their
// silence against one clock (store/worker/list-silent-worker-queues.ts).
const beatLua = luaScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
-- Leaving: silent from now on, as if its last beat were the silence limit ago, so it is taken
-- over at once but forgotten no sooner than any other silent worker.
redis.call('ZADD', KEYS[1], now - tonumber(ARGV[2]), ARGV[1])
return now
`)

/**
 * A worker's heartbeat for its own hosts queue (docs/operations.md#cluster-job-affinity): while it
 * beats, cluster jobs of the clusters whose PreFlight it ran are sent to that queue. `leaving`
 * (a draining worker) marks it silent at once, so other workers take over what waits in it.
 */
export async function beatWorkerQueue(
  redis: RedisClient,
  keys: RedisKeys,
  queueName: string,
  leaving?: { silentAfterMs: number }
): Promise<void> {
  await beatLua(redis, [keys.workerQueues()], [queueName, leaving ? leaving.silentAfterMs : 0])
}

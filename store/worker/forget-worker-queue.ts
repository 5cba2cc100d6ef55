import type { RedisClient } from '../connection.js'
import type { RedisKeys } from '../keys.js'
import { luaScript } from '../lua-script.js'

// Only while it is still silent: a worker that came back to life meanwhile keeps its entry.
const forgetLua = luaScript(`
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not score then return 0 end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if now - tonumber(score) < tonumber(ARGV[2]) then return 0 end
redis.call('ZREM', KEYS[1], ARGV[1])
return 1
`)

/** Drops a long-silent worker queue from the registry (its queue was found empty). True when dropped. */
export async function forgetWorkerQueue(
  redis: RedisClient,
  keys: RedisKeys,
  queueName: string,
  silentForMs: number
): Promise<boolean> {
  return (await forgetLua(redis, [keys.workerQueues()], [queueName, silentForMs])) === 1
}

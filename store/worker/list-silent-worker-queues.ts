import type { RedisClient } from '../connection.js'
import type { RedisKeys } from '../keys.js'
import { luaScript } from '../lua-script.js'

const listLua = luaScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local found = redis.call('ZRANGE', KEYS[1], '-inf', now - tonumber(ARGV[1]), 'BYSCORE', 'WITHSCORES')
local out = {}
for i = 1, #found, 2 do
  out[#out + 1] = found[i]
  out[#out + 1] = tostring(now - tonumber(found[i + 1]))
end
return out
`)

export interface SilentWorkerQueue {
  queueName: string
  /** Since its last heartbeat, by Redis's clock (a drained worker's is "since the epoch"). */
  silentMs: number
}

/** Worker queues whose owner has not beaten for `silentForMs` or more: dead, stalled or drained. */
export async function listSilentWorkerQueues(
  redis: RedisClient,
  keys: RedisKeys,
  silentForMs: number
): Promise<SilentWorkerQueue[]> {
  const flat = (await listLua(redis, [keys.workerQueues()], [silentForMs])) as string[]
  const out: SilentWorkerQueue[] = []
  for (let i = 0; i + 1 < flat.length; i += 2) out.push({ queueName: flat[i]!, silentMs: Number(flat[i + 1]) })
  return out
}

import type { RedisClient } from '../connection.js'
import { luaScript } from '../lua-script.js'
import type { RedisKeys } from '../keys.js'

// Only the run that holds a reservation may drop it.
const releaseLua = luaScript(`
local released = 0
for i = 1, #KEYS do
  if redis.call('GET', KEYS[i]) == ARGV[1] then
    redis.call('DEL', KEYS[i])
    released = released + 1
  end
end
return released
`)

export async function releaseClusterReservations(
  redis: RedisClient,
  keys: RedisKeys,
  runId: string,
  clusterIds: string[]
): Promise<number> {
  if (clusterIds.length === 0) return 0
  return (await releaseLua(
    redis,
    clusterIds.map((c) => keys.clusterRun(c)),
    [runId]
  )) as number
}

import type { RedisClient } from '../connection.js'
import { luaScript } from '../lua-script.js'
import type { RedisKeys } from '../keys.js'

const renewLua = luaScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
`)

/** Extends the lease only if it is still exactly ours (same token, same owner). */
export async function renewClusterLease(
  redis: RedisClient,
  keys: RedisKeys,
  clusterId: string,
  lease: { token: string; owner: string },
  ttlMs: number,
): Promise<boolean> {
  return (await renewLua(redis, [keys.clusterLease(clusterId)], [`${lease.token}|${lease.owner}`, ttlMs])) === 1
}

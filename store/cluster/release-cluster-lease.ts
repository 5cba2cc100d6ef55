import type { RedisClient } from '../connection.js'
import { luaScript } from '../lua-script.js'
import type { RedisKeys } from '../keys.js'

// The maintenance slot is checked too: while a host of the cluster may be inside maintenance mode
// the lease stays (and simply expires), so whoever takes over first sees and resumes that host.
const releaseLua = luaScript(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if redis.call('EXISTS', KEYS[2]) == 1 then return -1 end
redis.call('DEL', KEYS[1])
return 1
`)

export type ReleaseOutcome = 'released' | 'not-owner' | 'host-in-maintenance'

export async function releaseClusterLease(
  redis: RedisClient,
  keys: RedisKeys,
  clusterId: string,
  lease: { token: string; owner: string }
): Promise<ReleaseOutcome> {
  const reply = await releaseLua(
    redis,
    [keys.clusterLease(clusterId), keys.clusterInMaintenance(clusterId)],
    [`${lease.token}|${lease.owner}`]
  )
  return reply === 1 ? 'released' : reply === -1 ? 'host-in-maintenance' : 'not-owner'
}

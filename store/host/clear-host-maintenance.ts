import type { Redis } from 'ioredis'
import { luaScript } from '../lua-script.js'
import type { RedisKeys } from '../keys.js'

// KEYS: host hash, cluster maintenance slot, cluster run reservation, cluster lease.
// ARGV: host id, now (ISO), who.
// Refused while a run reserves the cluster or a worker holds its lease: only then is nobody
// entitled to the slot, so freeing it cannot let a second host of the cluster into maintenance.
const clearLua = luaScript(`
local state = redis.call('HGET', KEYS[1], 'state')
if state ~= 'ErrorInMaintenance' and state ~= 'Maintenance' and state ~= 'PrepareForMaintenance' then
  return 'NOT_IN_MAINTENANCE:' .. (state or 'Enabled')
end
local run = redis.call('GET', KEYS[3])
if run then return 'BUSY:run ' .. run end
local lease = redis.call('GET', KEYS[4])
if lease then return 'BUSY:lease ' .. lease end
if redis.call('GET', KEYS[2]) == ARGV[1] then redis.call('DEL', KEYS[2]) end
redis.call('HSET', KEYS[1], 'state', 'Enabled', 'since', ARGV[2], 'clearedBy', ARGV[3], 'clearedFrom', state)
return 'OK'
`)

export type ClearHostMaintenanceReply = 'OK' | `NOT_IN_MAINTENANCE:${string}` | `BUSY:${string}`

/** An operator's cancelHostMaintenance: back to Enabled and the cluster's slot freed, atomically. */
export async function clearHostMaintenance(
  redis: Redis,
  keys: RedisKeys,
  host: { id: string; clusterId: string },
  who: string,
): Promise<ClearHostMaintenanceReply> {
  return (await clearLua(
    redis,
    [keys.host(host.id), keys.clusterInMaintenance(host.clusterId), keys.clusterRun(host.clusterId), keys.clusterLease(host.clusterId)],
    [host.id, new Date().toISOString(), who],
  )) as ClearHostMaintenanceReply
}

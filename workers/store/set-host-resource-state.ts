import type { Redis } from 'ioredis'
import type { HostRunState } from '../../shared/host-run-state.js'
import { luaScript } from '../../shared/lua-script.js'
import type { RedisKeys } from '../../shared/redis-keys.js'
import type { HostResourceState } from '../../shared/types.js'
import { leaseValue, type FencedReply, type LeaseRef } from './lease-ref.js'

// For moves that keep the host in the slot (Maintenance, ErrorInMaintenance): the writer must hold
// the lease and the host must own the slot.
const setStateLua = luaScript(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 'LEASE_LOST' end
local holder = redis.call('GET', KEYS[2])
if holder ~= ARGV[2] then return 'BUSY:' .. tostring(holder) end
redis.call('HSET', KEYS[3], 'state', ARGV[5], 'runId', ARGV[3], 'since', ARGV[4])
redis.call('HSET', KEYS[4], ARGV[2], ARGV[6])
return 'OK'
`)

export async function setHostResourceState(
  redis: Redis,
  keys: RedisKeys,
  lease: LeaseRef,
  runId: string,
  resourceState: Extract<HostResourceState, 'Maintenance' | 'ErrorInMaintenance'>,
  state: HostRunState,
): Promise<FencedReply> {
  return (await setStateLua(
    redis,
    [keys.clusterLease(lease.clusterId), keys.clusterInMaintenance(lease.clusterId), keys.host(state.hostId), keys.runHosts(runId)],
    [leaseValue(lease), state.hostId, runId, new Date().toISOString(), resourceState, JSON.stringify(state)],
  )) as FencedReply
}

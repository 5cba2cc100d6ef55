import type { Redis } from 'ioredis'
import type { HostRunState } from '../../shared/host-run-state.js'
import { luaScript } from '../lua-script.js'
import type { RedisKeys } from '../keys.js'
import { leaseValue, type FencedReply, type LeaseRef } from './lease-ref.js'
import { WRITE_HOST_STATE_LUA } from '../host/write-host-state-lua.js'

// Frees the slot (only this host's) and puts the host back to Enabled. Idempotent, so a worker
// resuming a cycle after a crash can call it again.
const exitLua = luaScript(`${WRITE_HOST_STATE_LUA}
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 'LEASE_LOST' end
local holder = redis.call('GET', KEYS[2])
if holder and holder ~= ARGV[2] then return 'BUSY:' .. holder end
redis.call('DEL', KEYS[2])
redis.call('HSET', KEYS[3], 'state', 'Enabled', 'runId', ARGV[3], 'since', ARGV[4])
write_host_state(KEYS[4], KEYS[5], ARGV[2], ARGV[5], false)
return 'OK'
`)

export async function exitMaintenance(
  redis: Redis,
  keys: RedisKeys,
  lease: LeaseRef,
  runId: string,
  state: HostRunState,
): Promise<FencedReply> {
  return (await exitLua(
    redis,
    [keys.clusterLease(lease.clusterId), keys.clusterInMaintenance(lease.clusterId), keys.host(state.hostId), keys.runHosts(runId), keys.runProgress(runId)],
    [leaseValue(lease), state.hostId, runId, new Date().toISOString(), JSON.stringify(state)],
  )) as FencedReply
}

import type { RedisClient } from '../connection.js'
import type { HostRunState } from '../../shared/host-run-state.js'
import type { HostResourceState } from '../../shared/types.js'
import { leaseValue, parseFencedReply, type FencedWrite, type LeaseRef } from '../cluster/lease-ref.js'
import type { RedisKeys } from '../keys.js'
import { luaScript } from '../lua-script.js'
import { WRITE_HOST_STATE_LUA } from './write-host-state-lua.js'

// For moves that keep the host in the slot (PrepareForMaintenance, Maintenance, ErrorInMaintenance):
// the writer must hold the lease and the host must own the slot.
const setStateLua = luaScript(`${WRITE_HOST_STATE_LUA}
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return { 'lease-lost' } end
local holder = redis.call('GET', KEYS[2])
if holder ~= ARGV[2] then return { 'busy', tostring(holder) } end
redis.call('HSET', KEYS[3], 'state', ARGV[5], 'runId', ARGV[3], 'since', ARGV[4])
write_host_state(KEYS[4], KEYS[5], ARGV[2], ARGV[6], false)
return { 'ok' }
`)

export async function setHostResourceState(
  redis: RedisClient,
  keys: RedisKeys,
  lease: LeaseRef,
  runId: string,
  resourceState: Extract<HostResourceState, 'PrepareForMaintenance' | 'Maintenance' | 'ErrorInMaintenance'>,
  state: HostRunState
): Promise<FencedWrite> {
  return parseFencedReply(
    await setStateLua(
      redis,
      [
        keys.clusterLease(lease.clusterId),
        keys.clusterInMaintenance(lease.clusterId),
        keys.host(state.hostId),
        keys.runHosts(runId),
        keys.runProgress(runId)
      ],
      [leaseValue(lease), state.hostId, runId, new Date().toISOString(), resourceState, JSON.stringify(state)]
    )
  )
}

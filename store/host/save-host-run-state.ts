import type { Redis } from 'ioredis'
import type { HostRunState } from '../../shared/host-run-state.js'
import { luaScript } from '../lua-script.js'
import type { RedisKeys } from '../keys.js'
import { leaseValue, type FencedReply, type LeaseRef } from '../cluster/lease-ref.js'
import { WRITE_HOST_STATE_LUA } from './write-host-state-lua.js'

const fencedSaveLua = luaScript(`${WRITE_HOST_STATE_LUA}
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 'LEASE_LOST' end
write_host_state(KEYS[2], KEYS[3], ARGV[2], ARGV[3], false)
return 'OK'
`)

const saveLua = luaScript(`${WRITE_HOST_STATE_LUA}
write_host_state(KEYS[1], KEYS[2], ARGV[1], ARGV[2], false)
return 'OK'
`)

/** Records a host's progress; fenced by the cluster lease when one is given (cluster jobs), plain for PreFlight jobs. */
export async function saveHostRunState(
  redis: Redis,
  keys: RedisKeys,
  runId: string,
  state: HostRunState,
  lease?: LeaseRef,
): Promise<FencedReply> {
  if (!lease) {
    await saveLua(redis, [keys.runHosts(runId), keys.runProgress(runId)], [state.hostId, JSON.stringify(state)])
    return 'OK'
  }
  return (await fencedSaveLua(
    redis,
    [keys.clusterLease(lease.clusterId), keys.runHosts(runId), keys.runProgress(runId)],
    [leaseValue(lease), state.hostId, JSON.stringify(state)],
  )) as FencedReply
}

import type { RedisClient } from '../connection.js'
import type { HostRunState } from '../../shared/host-run-state.js'
import { leaseValue, parseFencedReply, type FencedWrite, type LeaseRef } from '../cluster/lease-ref.js'
import type { RedisKeys } from '../keys.js'
import { luaScript } from '../lua-script.js'
import { WRITE_HOST_STATE_LUA } from './write-host-state-lua.js'

const fencedSaveLua = luaScript(`${WRITE_HOST_STATE_LUA}
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return { 'lease-lost' } end
write_host_state(KEYS[2], KEYS[3], ARGV[2], ARGV[3], false)
return { 'ok' }
`)

const saveLua = luaScript(`${WRITE_HOST_STATE_LUA}
write_host_state(KEYS[1], KEYS[2], ARGV[1], ARGV[2], false)
return { 'ok' }
`)

/** Records a host's progress; fenced by the cluster lease when one is given (cluster jobs), plain for PreFlight jobs. */
export async function saveHostRunState(
  redis: RedisClient,
  keys: RedisKeys,
  runId: string,
  state: HostRunState,
  lease?: LeaseRef
): Promise<FencedWrite> {
  if (!lease) {
    return parseFencedReply(
      await saveLua(redis, [keys.runHosts(runId), keys.runProgress(runId)], [state.hostId, JSON.stringify(state)])
    )
  }
  return parseFencedReply(
    await fencedSaveLua(
      redis,
      [keys.clusterLease(lease.clusterId), keys.runHosts(runId), keys.runProgress(runId)],
      [leaseValue(lease), state.hostId, JSON.stringify(state)]
    )
  )
}

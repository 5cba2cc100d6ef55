import type { Redis } from 'ioredis'
import type { HostRunState } from '../../shared/host-run-state.js'
import { luaScript } from '../../shared/lua-script.js'
import type { RedisKeys } from '../../shared/redis-keys.js'
import { leaseValue, type FencedReply, type LeaseRef } from './lease-ref.js'

const fencedSaveLua = luaScript(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 'LEASE_LOST' end
redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
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
    await redis.hset(keys.runHosts(runId), state.hostId, JSON.stringify(state))
    return 'OK'
  }
  return (await fencedSaveLua(
    redis,
    [keys.clusterLease(lease.clusterId), keys.runHosts(runId)],
    [leaseValue(lease), state.hostId, JSON.stringify(state)],
  )) as FencedReply
}

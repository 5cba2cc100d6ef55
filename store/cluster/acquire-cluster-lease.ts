import type { RedisClient } from '../connection.js'
import { luaScript } from '../lua-script.js'
import type { RedisKeys } from '../keys.js'
import { ReplicaAckError } from '../../shared/errors/replica-ack-error.js'
import { evalWithReplicaAck, replicaAckPolicy } from '../replica-ack.js'

// The value is "<token>|<owner>". A fresh token comes from a counter that never goes back, so a
// write fenced with an old token is refused even if its owner wakes up after a long pause.
const acquireLua = luaScript(`
local current = redis.call('GET', KEYS[1])
if current then
  local token, owner = string.match(current, '^(%d+)|(.*)$')
  if owner == ARGV[1] then
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
    return token
  end
  return false
end
local token = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], token .. '|' .. ARGV[1], 'PX', ARGV[2])
return tostring(token)
`)

/**
 * Takes the cluster's lease if free (or already ours); returns its fencing token, or undefined when
 * held by someone else. Throws ReplicaAckError when the replicas did not confirm the write in time:
 * a failover could lose it, so it is not held yet (calling again with the same owner retries).
 */
export async function acquireClusterLease(
  redis: RedisClient,
  keys: RedisKeys,
  clusterId: string,
  owner: string,
  ttlMs: number
): Promise<string | undefined> {
  const { reply, replicas, acked } = await evalWithReplicaAck(
    redis,
    acquireLua,
    [keys.clusterLease(clusterId), keys.clusterFence(clusterId)],
    [owner, ttlMs]
  )
  const token = reply as string | null
  if (token && !acked) {
    const { minReplicas, timeoutMs } = replicaAckPolicy(redis)
    throw new ReplicaAckError(`cluster ${clusterId} lease`, minReplicas, replicas, timeoutMs)
  }
  return token ?? undefined
}

import type { RedisClient } from '../connection.js'
import { luaScript } from '../lua-script.js'
import type { RedisKeys } from '../keys.js'
import { ReplicaAckError } from '../../shared/errors/replica-ack-error.js'
import { evalWithReplicaAck, replicaAckPolicy } from '../replica-ack.js'

const renewLua = luaScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
`)

/** Extends the lease only if it is still exactly ours (same token, same owner); ReplicaAckError when the replicas did not confirm it. */
export async function renewClusterLease(
  redis: RedisClient,
  keys: RedisKeys,
  clusterId: string,
  lease: { token: string; owner: string },
  ttlMs: number
): Promise<boolean> {
  const { reply, replicas, acked } = await evalWithReplicaAck(
    redis,
    renewLua,
    [keys.clusterLease(clusterId)],
    [`${lease.token}|${lease.owner}`, ttlMs]
  )
  if (reply === 1 && !acked) {
    const { minReplicas, timeoutMs } = replicaAckPolicy(redis)
    throw new ReplicaAckError(`cluster ${clusterId} lease renewal`, minReplicas, replicas, timeoutMs)
  }
  return reply === 1
}

import type { RedisClient } from '../connection.js'
import type { HostRunState } from '../../shared/host-run-state.js'
import type { HostResourceState } from '../../shared/types.js'
import { WRITE_HOST_STATE_LUA } from '../host/write-host-state-lua.js'
import type { RedisKeys } from '../keys.js'
import { luaScript } from '../lua-script.js'
import { ReplicaAckError } from '../../shared/errors/replica-ack-error.js'
import { evalWithReplicaAck, replicaAckPolicy } from '../replica-ack.js'
import { leaseValue, parseFencedReply, type FencedWrite, type LeaseRef } from './lease-ref.js'

// The slot is the invariant itself: one key per cluster naming the one host that may be between
// PreMaintenance and the exit from maintenance mode. Only the current lease holder may take it, and
// only when it is free (or already this host's, when a worker resumes a cycle).
const claimLua = luaScript(`${WRITE_HOST_STATE_LUA}
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return { 'lease-lost' } end
local holder = redis.call('GET', KEYS[2])
if holder and holder ~= ARGV[2] then return { 'busy', holder } end
redis.call('SET', KEYS[2], ARGV[2])
redis.call('HSET', KEYS[3], 'state', ARGV[6], 'runId', ARGV[3], 'since', ARGV[4])
write_host_state(KEYS[4], KEYS[5], ARGV[2], ARGV[5], false)
return { 'ok' }
`)

const PREPARING: HostResourceState = 'PrepareForMaintenance'

/** Takes the cluster's maintenance slot for the host (resource state PrepareForMaintenance) and records its new phase, atomically. */
export async function claimMaintenanceSlot(
  redis: RedisClient,
  keys: RedisKeys,
  lease: LeaseRef,
  runId: string,
  state: HostRunState
): Promise<FencedWrite> {
  const { reply, replicas, acked } = await evalWithReplicaAck(
    redis,
    claimLua,
    [
      keys.clusterLease(lease.clusterId),
      keys.clusterInMaintenance(lease.clusterId),
      keys.host(state.hostId),
      keys.runHosts(runId),
      keys.runProgress(runId)
    ],
    [leaseValue(lease), state.hostId, runId, new Date().toISOString(), JSON.stringify(state), PREPARING]
  )
  const write = parseFencedReply(reply)
  // Not confirmed by the replicas: a failover could undo it, so the worker must not go on.
  if (write.kind === 'ok' && !acked) {
    const { minReplicas, timeoutMs } = replicaAckPolicy(redis)
    throw new ReplicaAckError(`maintenance slot claim of cluster ${lease.clusterId}`, minReplicas, replicas, timeoutMs)
  }
  return write
}

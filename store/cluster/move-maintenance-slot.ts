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
// PreMaintenance and the exit from maintenance mode. Only the current lease holder may move it,
// and only when it is free or already this host's (a worker resuming a cycle), so both moves are
// idempotent. The host's resource state and its run record change in the same step.
const moveLua = luaScript(`${WRITE_HOST_STATE_LUA}
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return { 'lease-lost' } end
local holder = redis.call('GET', KEYS[2])
if holder and holder ~= ARGV[2] then return { 'busy', holder } end
if ARGV[7] == 'take' then redis.call('SET', KEYS[2], ARGV[2]) else redis.call('DEL', KEYS[2]) end
redis.call('HSET', KEYS[3], 'state', ARGV[6], 'runId', ARGV[3], 'since', ARGV[4])
write_host_state(KEYS[4], KEYS[5], ARGV[2], ARGV[5], false)
return { 'ok' }
`)

/** What each move leaves the host's resource state at, and how a refusal names it. */
const MOVES: Record<'take' | 'free', { resourceState: HostResourceState; what: string }> = {
  take: { resourceState: 'PrepareForMaintenance', what: 'maintenance slot claim' },
  free: { resourceState: 'Enabled', what: 'maintenance slot release' }
}

/**
 * Takes or frees the cluster's maintenance slot for the host and records the host's new phase,
 * atomically; the verbs callers use are claimMaintenanceSlot and exitMaintenance.
 */
export async function moveMaintenanceSlot(
  redis: RedisClient,
  keys: RedisKeys,
  lease: LeaseRef,
  runId: string,
  state: HostRunState,
  move: 'take' | 'free'
): Promise<FencedWrite> {
  const { resourceState, what } = MOVES[move]
  const { reply, replicas, acked } = await evalWithReplicaAck(
    redis,
    moveLua,
    [
      keys.clusterLease(lease.clusterId),
      keys.clusterInMaintenance(lease.clusterId),
      keys.host(state.hostId),
      keys.runHosts(runId),
      keys.runProgress(runId)
    ],
    [leaseValue(lease), state.hostId, runId, new Date().toISOString(), JSON.stringify(state), resourceState, move]
  )
  const write = parseFencedReply(reply)
  // Not confirmed by the replicas: a failover could undo it, so the worker must not go on.
  if (write.kind === 'ok' && !acked) {
    const { minReplicas, timeoutMs } = replicaAckPolicy(redis)
    throw new ReplicaAckError(`${what} of cluster ${lease.clusterId}`, minReplicas, replicas, timeoutMs)
  }
  return write
}

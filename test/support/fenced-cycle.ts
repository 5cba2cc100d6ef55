import type { Redis } from 'ioredis'
import type { HostRunState } from '../../shared/host-run-state.js'
import { acquireClusterLease } from '../../store/cluster/acquire-cluster-lease.js'
import { claimMaintenanceSlot } from '../../store/cluster/claim-maintenance-slot.js'
import { exitMaintenance } from '../../store/cluster/exit-maintenance.js'
import type { LeaseRef } from '../../store/cluster/lease-ref.js'
import type { RedisClient } from '../../store/connection.js'
import type { RedisKeys } from '../../store/keys.js'

/**
 * The guarded writes of one host cycle on the critical path, as a worker makes them: the slot
 * claim before PreMaintenance and its release after maintenance. Returns the time they took.
 */
export async function fencedHostCycle(client: RedisClient, keys: RedisKeys, lease: LeaseRef, runId: string, hostId: string): Promise<number> {
  // The store functions still name ioredis' Redis type; a Cluster answers the same commands.
  const redis = client as Redis
  const base: HostRunState = { hostId, hostName: hostId, clusterId: lease.clusterId, phase: 'PreMaintenance' }
  const t0 = performance.now()
  const claimed = await claimMaintenanceSlot(redis, keys, lease, runId, base)
  const exited = await exitMaintenance(redis, keys, lease, runId, { ...base, phase: 'PostMaintenance' })
  if (claimed !== 'OK' || exited !== 'OK') throw new Error(`fenced cycle refused: ${claimed} / ${exited}`)
  return performance.now() - t0
}

export async function takeLease(client: RedisClient, keys: RedisKeys, clusterId: string, owner: string): Promise<LeaseRef> {
  const token = await acquireClusterLease(client as Redis, keys, clusterId, owner, 30_000)
  if (!token) throw new Error(`lease of ${clusterId} is held elsewhere`)
  return { clusterId, token, owner }
}

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
export async function fencedHostCycle(
  client: RedisClient,
  keys: RedisKeys,
  lease: LeaseRef,
  runId: string,
  hostId: string
): Promise<number> {
  const redis = client
  const base: HostRunState = { hostId, hostName: hostId, clusterId: lease.clusterId, phase: 'PreMaintenance' }
  const t0 = performance.now()
  const claimed = await claimMaintenanceSlot(redis, keys, lease, runId, base)
  const exited = await exitMaintenance(redis, keys, lease, runId, {
    ...base,
    phase: 'PostMaintenance',
    updated: { startdate: 's', enddate: 'e', output: '', seq: 1 }
  })
  if (claimed.kind !== 'ok' || exited.kind !== 'ok')
    throw new Error(`fenced cycle refused: ${claimed.kind} / ${exited.kind}`)
  return performance.now() - t0
}

export async function takeLease(
  client: RedisClient,
  keys: RedisKeys,
  clusterId: string,
  owner: string
): Promise<LeaseRef> {
  const token = await acquireClusterLease(client, keys, clusterId, owner, 30_000)
  if (!token) throw new Error(`lease of ${clusterId} is held elsewhere`)
  return { clusterId, token, owner }
}

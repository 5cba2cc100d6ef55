import type { RedisClient } from '../connection.js'
import type { ClusterHostLoad } from '../../shared/host-capacity.js'
import type { RedisKeys } from '../keys.js'

/** What the libvirt driver last read from a cluster's hosts: VMs, memory, which may take VMs. */
export interface CapacitySnapshot {
  clusterId: string
  /** ISO time of the reading. */
  readAt: string
  /** Every host of the cluster in inventory order (planClusterEvacuation's `hosts`). */
  hosts: ClusterHostLoad[]
}

/** Kept 30 days: a dry run long after the last real run still gets a plan, with its `readAt`. */
const TTL_SEC = 30 * 24 * 3600

export async function saveCapacitySnapshot(
  redis: RedisClient,
  keys: RedisKeys,
  snapshot: CapacitySnapshot
): Promise<void> {
  await redis.set(keys.clusterCapacity(snapshot.clusterId), JSON.stringify(snapshot), 'EX', TTL_SEC)
}

export async function getCapacitySnapshot(
  redis: RedisClient,
  keys: RedisKeys,
  clusterId: string
): Promise<CapacitySnapshot | undefined> {
  const raw = await redis.get(keys.clusterCapacity(clusterId))
  return raw ? (JSON.parse(raw) as CapacitySnapshot) : undefined
}

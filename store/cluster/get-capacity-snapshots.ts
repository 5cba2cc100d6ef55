import type { RedisClient } from '../connection.js'
import type { RedisKeys } from '../keys.js'
import type { CapacitySnapshot } from './capacity-snapshot.js'

/** Several clusters' capacity snapshots in one round trip (MGET: the keys share one hash tag, so one slot). */
export async function getCapacitySnapshots(
  redis: RedisClient,
  keys: RedisKeys,
  clusterIds: readonly string[]
): Promise<CapacitySnapshot[]> {
  if (clusterIds.length === 0) return []
  const raws = await redis.mget(...clusterIds.map((id) => keys.clusterCapacity(id)))
  const out: CapacitySnapshot[] = []
  for (const raw of raws) {
    if (!raw) continue
    try {
      out.push(JSON.parse(raw) as CapacitySnapshot)
    } catch {
      // written whole by one SET; an unreadable one is as good as none
    }
  }
  return out
}

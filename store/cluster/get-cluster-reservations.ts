import type { RedisClient } from '../connection.js'
import type { RedisKeys } from '../keys.js'

/** Which run reserves each of these clusters (the 409 check), read-only: what a dry run reports. */
export async function getClusterReservations(
  redis: RedisClient,
  keys: RedisKeys,
  clusterIds: string[]
): Promise<Map<string, string>> {
  if (clusterIds.length === 0) return new Map()
  const holders = await redis.mget(...clusterIds.map((c) => keys.clusterRun(c)))
  const out = new Map<string, string>()
  clusterIds.forEach((c, i) => {
    const runId = holders[i]
    if (runId) out.set(c, runId)
  })
  return out
}

import type { RedisClient } from '../connection.js'
import type { RedisKeys } from '../keys.js'

/** The queue each of a run's cluster jobs was added to, by cluster index (store/run/route-cluster-job.ts). */
export async function getClusterJobQueues(
  redis: RedisClient,
  keys: RedisKeys,
  runId: string
): Promise<Map<number, string>> {
  const hash = await redis.hgetall(keys.runRoutes(runId))
  const out = new Map<number, string>()
  for (const [field, queue] of Object.entries(hash)) if (field.startsWith('cl:')) out.set(Number(field.slice(3)), queue)
  return out
}

import type { RedisClient } from '../connection.js'
import type { RedisKeys } from '../keys.js'

/** Fixed once: a resumed orchestrator must hand out exactly the same cluster indexes. */
export async function setClusterPlan(
  redis: RedisClient,
  keys: RedisKeys,
  runId: string,
  plan: string[]
): Promise<string[]> {
  await redis.hsetnx(keys.run(runId), 'clusterPlan', JSON.stringify(plan))
  return JSON.parse((await redis.hget(keys.run(runId), 'clusterPlan'))!) as string[]
}

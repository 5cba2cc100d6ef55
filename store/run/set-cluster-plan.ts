import type { RedisClient } from '../connection.js'
import type { RedisKeys } from '../keys.js'

/** Fixed once: a resumed orchestrator must hand out exactly the same cluster indexes. */
export async function setClusterPlan(
  redis: RedisClient,
  keys: RedisKeys,
  runId: string,
  plan: string[]
): Promise<string[]> {
  // One round trip: the first plan written wins, and what was written is read back.
  const replies = await redis
    .multi()
    .hsetnx(keys.run(runId), 'clusterPlan', JSON.stringify(plan))
    .hget(keys.run(runId), 'clusterPlan')
    .exec()
  const [setErr] = replies?.[0] ?? [new Error('the cluster plan transaction was aborted')]
  const [getErr, saved] = replies?.[1] ?? [null, null]
  if (setErr) throw setErr
  if (getErr) throw getErr
  return JSON.parse(saved as string) as string[]
}

import type { RedisClient } from '../connection.js'
import { RUN_STATUSES, type RunStatus } from '../../shared/types.js'
import type { RedisKeys } from '../keys.js'

/** Statuses of the newest `limit` runs, counted; one pipeline. */
export async function countRunsByStatus(
  redis: RedisClient,
  keys: RedisKeys,
  limit: number
): Promise<Map<RunStatus, number>> {
  const ids = await redis.zrevrange(keys.runIndex(), 0, limit - 1)
  const pipeline = redis.pipeline()
  for (const id of ids) pipeline.hget(keys.run(id), 'status')
  const counts = new Map<RunStatus, number>(RUN_STATUSES.map((s) => [s, 0]))
  for (const [, status] of (await pipeline.exec()) ?? []) {
    if (typeof status === 'string' && counts.has(status as RunStatus))
      counts.set(status as RunStatus, (counts.get(status as RunStatus) ?? 0) + 1)
  }
  return counts
}

import type { RedisClient } from '../connection.js'
import type { RedisKeys } from '../keys.js'

/** Ids of the newest runs, newest first. */
export async function listRunIds(redis: RedisClient, keys: RedisKeys, limit: number): Promise<string[]> {
  return redis.zrevrange(keys.runIndex(), 0, limit - 1)
}

/** Drops runs older than the retention period from the index (their keys expire on their own). */
export async function pruneRunIndex(redis: RedisClient, keys: RedisKeys, retentionDays: number): Promise<void> {
  await redis.zremrangebyscore(keys.runIndex(), 0, Date.now() - retentionDays * 24 * 3600 * 1000)
}

export async function runExists(redis: RedisClient, keys: RedisKeys, runId: string): Promise<boolean> {
  return (await redis.exists(keys.run(runId))) === 1
}

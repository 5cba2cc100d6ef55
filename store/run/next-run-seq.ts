import type { RedisClient } from '../connection.js'
import type { RedisKeys } from '../keys.js'

/** A run-wide counter ordering `hostsupdated` and `hostsskipped` by when things happened. */
export async function nextRunSeq(redis: RedisClient, keys: RedisKeys, runId: string): Promise<number> {
  return redis.hincrby(keys.run(runId), 'seq', 1)
}
